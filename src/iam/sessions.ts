/**
 * STS sessions as stored: a role session (AssumeRole and its kin), a user's GetSessionToken session or a
 * federated user session (GetFederationToken), each
 * with sealed secrets, expiry and what narrows it (session policies, tags, source identity). STS's own
 * rules (duration bounds, packed policy size, trust evaluation) are the caller's.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html
 */
import { assumedRoleArn, federatedUserArn, roleArn } from './arns.js';
import { IamPart, type IamContext } from './context.js';
import { requireRole, requireUser } from './entities.js';
import { accessKeyId, secretAccessKey, sessionToken } from './ids.js';
import { repos, type SessionRecord } from './records.js';
import type {
  FederatedSessionInfo,
  NewFederatedSession,
  NewSession,
  SessionInfo,
  UserSessionInfo,
} from './types.js';

export function sessionInfo(ctx: IamContext, s: SessionRecord): SessionInfo {
  return {
    accessKeyId: s.accessKeyId,
    secretAccessKey: ctx.store.secrets.decrypt(s.secret),
    sessionToken: ctx.store.secrets.decrypt(s.token),
    expiration: s.expiration,
    createDate: s.createDate,
    account: s.account,
    roleName: s.roleName,
    roleArn: roleArn(s.account, s.rolePath, s.roleName),
    roleId: s.roleId,
    sessionName: s.sessionName,
    assumedRoleArn: assumedRoleArn(s.account, s.roleName, s.sessionName),
    assumedRoleId: `${s.roleId}:${s.sessionName}`,
    ...(s.sessionPolicy !== undefined ? { sessionPolicy: s.sessionPolicy } : {}),
    sessionPolicyArns: s.sessionPolicyArns,
    tags: s.tags,
    transitiveTagKeys: s.transitiveTagKeys,
    ...(s.sourceIdentity !== undefined ? { sourceIdentity: s.sourceIdentity } : {}),
  };
}

/**
 * Whether temporary credentials that expire at `expiration` (epoch milliseconds; none for long-term keys)
 * are expired at `now`: they are valid until they expire, and every call with them fails afterwards. The
 * one rule for every front end (decisions through the resolver, the endpoint's authentication, the
 * console's sign-in).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html
 */
export function credentialExpired(expiration: number | undefined, now: number): boolean {
  return expiration !== undefined && expiration <= now;
}

/** What a federated user session adds to a user session: its name, ARN, id, policies and tags. */
export function federatedInfo(
  s: SessionRecord,
  name: string,
): Pick<
  FederatedSessionInfo,
  'name' | 'arn' | 'federatedUserId' | 'sessionPolicy' | 'sessionPolicyArns' | 'tags'
> {
  return {
    name,
    arn: federatedUserArn(s.account, name),
    federatedUserId: `${s.account}:${name}`,
    ...(s.sessionPolicy !== undefined ? { sessionPolicy: s.sessionPolicy } : {}),
    sessionPolicyArns: s.sessionPolicyArns,
    tags: s.tags,
  };
}

/** The role fields of a session an IAM user holds (GetSessionToken, GetFederationToken): none. */
const NO_ROLE = { roleName: '', roleId: '', rolePath: '', sessionName: '' } as const;

export class SessionService extends IamPart {
  /** New temporary credentials issued now: an ASIA key id, a secret and a token, the latter two sealed. */
  private mint(expiration: number) {
    const secret = secretAccessKey();
    const token = sessionToken();
    return {
      secret,
      token,
      sealed: {
        accessKeyId: accessKeyId('ASIA'),
        secret: this.ctx.store.secrets.encrypt(secret),
        token: this.ctx.store.secrets.encrypt(token),
        expiration,
        createDate: this.nowIso(),
      },
    };
  }

  /**
   * Stores a session STS issued for a role and returns its credentials. STS's own rules (duration bounds,
   * packed policy size, trust evaluation) are the caller's; this checks the role exists and stores secrets
   * sealed.
   */
  async createSession(input: NewSession): Promise<SessionInfo> {
    return await this.tx(async (tx) => {
      const role = await requireRole(tx, input.account, input.roleName);
      const { sealed } = this.mint(input.expiration);
      const rec: SessionRecord = {
        ...sealed,
        account: role.account,
        roleName: role.name,
        roleId: role.id,
        rolePath: role.path,
        sessionName: input.sessionName,
        ...(input.sessionPolicy !== undefined ? { sessionPolicy: input.sessionPolicy } : {}),
        sessionPolicyArns: input.sessionPolicyArns ?? [],
        tags: input.tags ?? [],
        transitiveTagKeys: input.transitiveTagKeys ?? [],
        ...(input.sourceIdentity !== undefined ? { sourceIdentity: input.sourceIdentity } : {}),
      };
      await repos.session.put(tx, rec.accessKeyId, rec);
      return sessionInfo(this.ctx, rec);
    });
  }

  /**
   * Stores a GetSessionToken session of an IAM user (STS's duration rules are the caller's) and returns its
   * credentials; the session carries the user's own permissions.
   */
  async createUserSession(account: string, userName: string, expiration: number): Promise<UserSessionInfo> {
    return await this.tx(async (tx) => {
      const user = await requireUser(tx, account, userName);
      const { secret, token, sealed } = this.mint(expiration);
      const rec: SessionRecord = {
        ...sealed,
        account: user.account,
        ...NO_ROLE,
        sessionPolicyArns: [],
        tags: [],
        transitiveTagKeys: [],
        userName: user.name,
        userId: user.id,
      };
      await repos.session.put(tx, rec.accessKeyId, rec);
      return {
        accessKeyId: rec.accessKeyId,
        secretAccessKey: secret,
        sessionToken: token,
        expiration,
        createDate: rec.createDate,
        account: rec.account,
        userName: user.name,
      };
    });
  }

  /**
   * Stores a GetFederationToken session of an IAM user with its session policies and tags (STS's rules are
   * the caller's) and returns its credentials.
   * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
   */
  async createFederatedSession(input: NewFederatedSession): Promise<FederatedSessionInfo> {
    return await this.tx(async (tx) => {
      const user = await requireUser(tx, input.account, input.userName);
      const { secret, token, sealed } = this.mint(input.expiration);
      const rec: SessionRecord = {
        ...sealed,
        account: user.account,
        ...NO_ROLE,
        ...(input.sessionPolicy !== undefined ? { sessionPolicy: input.sessionPolicy } : {}),
        sessionPolicyArns: input.sessionPolicyArns ?? [],
        tags: input.tags ?? [],
        transitiveTagKeys: [],
        userName: user.name,
        userId: user.id,
        federatedName: input.name,
      };
      await repos.session.put(tx, rec.accessKeyId, rec);
      return {
        accessKeyId: rec.accessKeyId,
        secretAccessKey: secret,
        sessionToken: token,
        expiration: rec.expiration,
        createDate: rec.createDate,
        account: rec.account,
        userName: user.name,
        ...federatedInfo(rec, input.name),
      };
    });
  }

  async deleteSession(id: string): Promise<boolean> {
    return await this.tx((tx) => repos.session.delete(tx, id));
  }

  /** Removes sessions expired at `now`; returns how many. */
  async purgeExpiredSessions(now: number): Promise<number> {
    return await this.tx(async (tx) => {
      let n = 0;
      for (const s of await repos.session.list(tx)) {
        if (s.expiration <= now) {
          await repos.session.delete(tx, s.accessKeyId);
          n++;
        }
      }
      return n;
    });
  }
}
