/**
 * First start: when no IAM user in the store has an access key, create an administrator (a user with AWS's
 * AdministratorAccess attached) and its access key, and write the key to a credentials file in the AWS
 * shared-credentials format, readable only by its owner.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IamService } from '../iam/index.js';
import { storeKind } from '../store/open.js';
import type { IamControl } from './control.js';

export const ADMIN_USER = 'rolecall-admin';
export const ADMIN_PROFILE = 'rolecall';
const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';

export interface BootstrapResult {
  /** Set when this start created the administrator. */
  created?: { accessKeyId: string; credentialsFile: string };
}

/** The credentials file beside a SQLite store, else under `.rolecall/` in the current directory. */
export function defaultCredentialsFile(storeLocation: string): string {
  if (storeKind(storeLocation) !== 'sqlite') {
    return path.join('.rolecall', 'credentials');
  }
  return path.join(path.dirname(storeLocation), 'credentials');
}

/** Whether any IAM user of any account in the store has an access key (else nobody could sign in). */
export async function anyAccessKey(svc: IamService): Promise<boolean> {
  for (const account of await svc.listAccounts()) {
    for (const user of await svc.listUsers(account.id)) {
      if ((await svc.listAccessKeys(account.id, user.name)).length > 0) return true;
    }
  }
  return false;
}

export async function bootstrapAdministrator(
  control: Pick<IamControl, 'createUser' | 'findUser' | 'attachPolicy' | 'createAccessKey'>,
  credentialsFile: string,
): Promise<BootstrapResult> {
  if ((await control.findUser(ADMIN_USER)) === undefined)
    await control.createUser({ name: ADMIN_USER, tags: [] });
  await control.attachPolicy('user', ADMIN_USER, ADMINISTRATOR_ACCESS);
  const key = await control.createAccessKey(ADMIN_USER);
  fs.mkdirSync(path.dirname(path.resolve(credentialsFile)), { recursive: true, mode: 0o700 });
  const text =
    `[${ADMIN_PROFILE}]\n` +
    `aws_access_key_id = ${key.accessKeyId}\n` +
    `aws_secret_access_key = ${key.secretAccessKey ?? ''}\n`;
  // Written to a fresh file with mode 0600, then renamed, so the secret is never readable by others.
  const tmp = `${credentialsFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, credentialsFile);
  return { created: { accessKeyId: key.accessKeyId, credentialsFile } };
}

/** How to point the aws CLI and the SDKs at the endpoint (no secret in it). */
export function usageText(url: string, credentialsFile: string, created = true): string {
  const file = path.resolve(credentialsFile);
  return [
    `administrator credentials ${created ? 'written to' : 'in'} ${file} (profile \`${ADMIN_PROFILE}\`, mode 0600)`,
    'use them with:',
    `  export AWS_SHARED_CREDENTIALS_FILE=${file} AWS_PROFILE=${ADMIN_PROFILE} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1`,
    `  aws iam list-roles --endpoint-url ${url}`,
    `  aws sts get-caller-identity --endpoint-url ${url}`,
    `  # SDK: new IAMClient({ endpoint: '${url}', region: 'us-east-1' })`,
    '',
  ].join('\n');
}
