/**
 * The AWS KMS operations a principal of another account can call on a KMS key, when the key policy and
 * the principal's IAM policies both allow it. Any other KMS operation on a key (ScheduleKeyDeletion,
 * PutKeyPolicy, DisableKey, TagResource...) fails for an external principal whatever the key policy says.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
 * (each operation's "Cross-account use" line in the AWS KMS API Reference says the same)
 */
export const KMS_CROSS_ACCOUNT_ACTIONS: ReadonlySet<string> = new Set(
  [
    // cryptographic operations
    'kms:Decrypt',
    'kms:DeriveSharedSecret',
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'kms:GenerateDataKeyPair',
    'kms:GenerateDataKeyPairWithoutPlaintext',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:GenerateMac',
    'kms:ReEncryptFrom',
    'kms:ReEncryptTo',
    'kms:Sign',
    'kms:Verify',
    'kms:VerifyMac',
    // and these
    'kms:CreateGrant',
    'kms:DescribeKey',
    'kms:GetKeyRotationStatus',
    'kms:GetPublicKey',
    'kms:ListGrants',
    'kms:RetireGrant',
    'kms:RevokeGrant',
  ].map((a) => a.toLowerCase()),
);
