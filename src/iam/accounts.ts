/**
 * AWS accounts as rolecall knows them: id, name, e-mail, tags and organization membership. Identities and
 * policies belong to one; an account first named by one of them is registered on the fly.
 */
import { RolecallError } from '../errors.js';
import type { StoreTx } from '../store/index.js';
import { IamPart } from './context.js';
import { checkAccountId, checkTags } from './names.js';
import { repos, type AccountRecord } from './records.js';
import type { AccountInfo, Tag } from './types.js';

export interface CreateAccountInput {
  id: string;
  name?: string;
  email?: string;
  tags?: Tag[];
}

export interface UpdateAccountInput {
  id: string;
  name?: string;
  email?: string;
  tags?: Tag[];
}

function accountInfo(a: AccountRecord): AccountInfo {
  return {
    id: a.id,
    name: a.name,
    ...(a.email !== undefined ? { email: a.email } : {}),
    ...(a.parentId !== undefined ? { parentId: a.parentId } : {}),
    tags: a.tags,
  };
}

async function requireAccount(tx: StoreTx, id: string): Promise<AccountRecord> {
  const rec = await repos.account.get(tx, id);
  if (!rec) throw new RolecallError('NoSuchEntity', `The account with id ${id} cannot be found.`);
  return rec;
}

/** Identities are created in an account; an account first used this way is registered on the fly. */
export async function touchAccount(tx: StoreTx, id: string): Promise<void> {
  checkAccountId(id);
  if (!(await repos.account.get(tx, id))) await repos.account.put(tx, id, { id, name: id, tags: [] });
}

export class AccountService extends IamPart {
  async createAccount(input: CreateAccountInput): Promise<AccountInfo> {
    checkAccountId(input.id);
    checkTags(input.tags ?? []);
    return this.tx(async (tx) => {
      if (await repos.account.get(tx, input.id)) {
        throw new RolecallError('EntityAlreadyExists', `Account with id ${input.id} already exists.`);
      }
      const rec: AccountRecord = {
        id: input.id,
        name: input.name ?? input.id,
        ...(input.email !== undefined ? { email: input.email } : {}),
        tags: input.tags ?? [],
      };
      await repos.account.put(tx, input.id, rec);
      return accountInfo(rec);
    });
  }

  async updateAccount(input: UpdateAccountInput): Promise<AccountInfo> {
    if (input.tags) checkTags(input.tags);
    return this.tx(async (tx) => {
      const rec = await requireAccount(tx, input.id);
      if (input.name !== undefined) rec.name = input.name;
      if (input.email !== undefined) rec.email = input.email;
      if (input.tags !== undefined) rec.tags = input.tags;
      await repos.account.put(tx, rec.id, rec);
      return accountInfo(rec);
    });
  }

  async getAccount(id: string): Promise<AccountInfo> {
    return await this.read(async (tx) => accountInfo(await requireAccount(tx, id)));
  }

  async listAccounts(): Promise<AccountInfo[]> {
    return await this.read(async (tx) => (await repos.account.list(tx)).map(accountInfo));
  }

  /** Deleting an account that still holds identities or policies is a DeleteConflict. */
  async deleteAccount(id: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireAccount(tx, id);
      for (const table of ['role', 'user', 'group', 'managed-policy'] as const) {
        if ((await tx.list(table, `${id}/`)).length > 0) {
          throw new RolecallError(
            'DeleteConflict',
            `Cannot delete account ${id}: it still has ${table.replace('-', ' ')}s.`,
          );
        }
      }
      if (rec.parentId !== undefined) {
        throw new RolecallError(
          'DeleteConflict',
          `Cannot delete account ${id}: remove it from the organization first.`,
        );
      }
      await repos.account.delete(tx, id);
    });
  }
}
