/** Store set-ups the console's tests share, written through the control plane. */
import type { ApiControlPlane } from '../../src/api/backend.js';
import { emrTemplate, type EmrKind } from '../../src/knowledge/emr/index.js';

/** A role with AWS's documented trust and permissions for an EMR service (`rolecall emr template`). */
export async function createEmrRole(
  cp: ApiControlPlane,
  o: { kind: EmrKind; account: string; region: string; name: string; bucket: string; gitSecrets?: boolean },
): Promise<void> {
  const t = emrTemplate(o.kind, {
    account: o.account,
    region: o.region,
    bucket: o.bucket,
    roleName: o.name,
    ...(o.gitSecrets ? { gitSecrets: true } : {}),
  });
  await cp.iam.createRole({ account: o.account, name: o.name, trustPolicy: JSON.stringify(t.trust) });
  await cp.iam.putInlinePolicy(
    { kind: 'role', account: o.account, name: o.name },
    o.kind,
    JSON.stringify(t.permissions),
  );
}

/**
 * An organization with `member` in an OU, and SCPs attached to that OU (next to FullAWSAccess unless
 * `replaceFullAccess`, which makes the OU's SCPs an allow-list). Returns the OU's id.
 */
export async function organizationWithScps(
  cp: ApiControlPlane,
  o: {
    management: string;
    member: string;
    ou: string;
    scps: { name: string; statement: Record<string, unknown>[] }[];
    replaceFullAccess?: boolean;
  },
): Promise<string> {
  if (o.management !== o.member && (await cp.iam.listAccounts()).every((a) => a.id !== o.management))
    await cp.iam.createAccount({ id: o.management, name: 'management' });
  const org = await cp.org.create(o.management);
  const ou = await cp.org.createOrgUnit(org.rootId, o.ou);
  await cp.org.moveAccount(o.member, ou.id);
  for (const s of o.scps) {
    const scp = await cp.org.createPolicy({
      type: 'scp',
      name: s.name,
      document: JSON.stringify({ Version: '2012-10-17', Statement: s.statement }),
    });
    await cp.org.attachPolicy(scp.id, ou.id);
  }
  if (o.replaceFullAccess === true) {
    const full = (await cp.org.listPolicies()).find((p) => p.name === 'FullAWSAccess');
    if (full !== undefined) await cp.org.detachPolicy(full.id, ou.id);
  }
  return ou.id;
}
