/**
 * Long-term access keys of IAM users (secrets sealed at rest, at most two per user) and the lookup of any
 * access key id, long-term or temporary, to the credential and identity behind it.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
 */
import { RolecallError } from '../errors.js';
import { IamPart } from './context.js';
import { credentialUser, requireUser } from './entities.js';
import { accessKeyId, secretAccessKey } from './ids.js';
import { limitExceeded } from './quotas.js';
import { repos, type AccessKeyRecord } from './records.js';
import { federatedInfo, sessionInfo } from './sessions.js';
import type { AccessKeyInfo, AccessKeyWithSecret, Credential } from './types.js';
import { userInfo } from './users.js';

function accessKeyInfo(k: AccessKeyRecord): AccessKeyInfo {
  return {
    accessKeyId: k.accessKeyId,
    account: k.account,
    userName: k.userName,
    status: k.status,
    createDate: k.createDate,
  };
}

function noSuchAccessKey(id: string): RolecallError {
  return new RolecallError('NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
}

export class CredentialService extends IamPart {
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html
  async createAccessKey(account: string, userName: string): Promise<AccessKeyWithSecret> {
    return await this.tx(async (tx) => {
      const user = await requireUser(tx, account, userName);
      const existing = (await repos.accessKey.list(tx)).filter(
        (k) => k.account === account && k.userName === user.name,
      );
      if (existing.length >= this.ctx.quotas.accessKeysPerUser) {
        throw limitExceeded('accessKeysPerUser', this.ctx.quotas.accessKeysPerUser);
      }
      const secret = secretAccessKey();
      const rec: AccessKeyRecord = {
        accessKeyId: accessKeyId('AKIA'),
        account,
        userName: user.name,
        userId: user.id,
        secret: this.ctx.store.secrets.encrypt(secret),
        status: 'Active',
        createDate: this.nowIso(),
      };
      await repos.accessKey.put(tx, rec.accessKeyId, rec);
      return { ...accessKeyInfo(rec), secretAccessKey: secret };
    });
  }

  async listAccessKeys(account: string, userName: string): Promise<AccessKeyInfo[]> {
    return await this.read(async (tx) => {
      const user = await requireUser(tx, account, userName);
      return (await repos.accessKey.list(tx))
        .filter((k) => k.account === account && k.userName === user.name)
        .map(accessKeyInfo);
    });
  }

  async updateAccessKey(account: string, id: string, status: 'Active' | 'Inactive'): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await repos.accessKey.get(tx, id);
      if (!rec || rec.account !== account) throw noSuchAccessKey(id);
      rec.status = status;
      await repos.accessKey.put(tx, id, rec);
    });
  }

  async deleteAccessKey(account: string, id: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await repos.accessKey.get(tx, id);
      if (!rec || rec.account !== account) throw noSuchAccessKey(id);
      await repos.accessKey.delete(tx, id);
    });
  }

  /**
   * A user's access key or a session's temporary key, with its secret; undefined when unknown or when the
   * user it was issued to no longer exists (whoever holds the name now).
   */
  async findCredential(id: string): Promise<Credential | undefined> {
    return await this.read(async (tx) => {
      if (id.startsWith('ASIA')) {
        const s = await repos.session.get(tx, id);
        if (s?.userName !== undefined) {
          const user = await credentialUser(tx, s.account, s.userName, s.userId, s.createDate);
          if (!user) return undefined;
          const session = {
            accessKeyId: s.accessKeyId,
            secretAccessKey: this.ctx.store.secrets.decrypt(s.secret),
            sessionToken: this.ctx.store.secrets.decrypt(s.token),
            expiration: s.expiration,
            createDate: s.createDate,
            account: s.account,
            userName: user.name,
          };
          if (s.federatedName !== undefined) {
            return {
              kind: 'federated',
              session: { ...session, ...federatedInfo(s, s.federatedName) },
              user: userInfo(user),
            };
          }
          return { kind: 'user-session', session, user: userInfo(user) };
        }
        return s ? { kind: 'session', session: sessionInfo(this.ctx, s) } : undefined;
      }
      const k = await repos.accessKey.get(tx, id);
      if (!k) return undefined;
      const user = await credentialUser(tx, k.account, k.userName, k.userId, k.createDate);
      if (!user) return undefined;
      return {
        kind: 'user',
        key: { ...accessKeyInfo(k), secretAccessKey: this.ctx.store.secrets.decrypt(k.secret) },
        user: userInfo(user),
      };
    });
  }
}
