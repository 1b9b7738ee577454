/** What every part of the control plane shares: the store, the quotas, the policy checker and the clock. */
import { RolecallError } from '../errors.js';
import type { PolicyIssue, PolicyKind } from '../policy/types.js';
import type { JsonValue, Store, StoreTx, Table } from '../store/index.js';
import { checkPolicyCharacters } from './names.js';
import type { IamQuotas } from './quotas.js';

/** Validates a policy document for its kind; returns every issue (the parser's, with positions). */
export type PolicyChecker = (text: string, kind: PolicyKind) => readonly PolicyIssue[];

export interface IamContext {
  store: Store;
  quotas: IamQuotas;
  checkPolicy: PolicyChecker;
  /** Epoch milliseconds. */
  now: () => number;
}

/** What each part of the IAM service builds on: one store transaction per public method, and the clock. */
export abstract class IamPart {
  constructor(readonly ctx: IamContext) {}

  protected tx<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.ctx.store.withTransaction(fn);
  }

  protected read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.ctx.store.withTransaction(fn, { readOnly: true });
  }

  protected nowIso(): string {
    return isoDate(this.ctx.now());
  }
}

/** Typed access to one table: the record shapes are iam/'s own, stored as JSON. */
export class Repo<T> {
  constructor(readonly table: Table) {}

  async get(tx: StoreTx, key: string): Promise<T | undefined> {
    return (await tx.get(this.table, key)) as T | undefined;
  }

  put(tx: StoreTx, key: string, value: T): Promise<void> {
    return tx.put(this.table, key, value as unknown as JsonValue);
  }

  delete(tx: StoreTx, key: string): Promise<boolean> {
    return tx.delete(this.table, key);
  }

  async list(tx: StoreTx, prefix?: string, limit?: number): Promise<T[]> {
    return (await tx.list(this.table, prefix, limit)).map((r) => r.value as T);
  }
}

/** Names of users, groups, roles and policies are unique per account regardless of case. */
export function entityKey(account: string, name: string): string {
  return `${account}/${name.toLowerCase()}`;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Throws MalformedPolicyDocument with the first error's place and every other error as a detail, using the
 * parser's positions (line:column and JSON path).
 */
export function validatePolicyText(ctx: IamContext, text: string, kind: PolicyKind): void {
  checkPolicyCharacters(text);
  const errors = ctx.checkPolicy(text, kind).filter((i) => i.severity === 'error');
  const first = errors[0];
  if (!first) return;
  throw new RolecallError(
    'MalformedPolicyDocument',
    first.message,
    { line: first.line, column: first.column, path: first.path },
    errors
      .slice(1)
      .map((i) => ({ message: i.message, place: { line: i.line, column: i.column, path: i.path } })),
  );
}
