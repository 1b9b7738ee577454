/**
 * Reading AWS query-protocol parameters: scalars, `Name.member.N` lists, `Name.member.N.Field` lists of
 * structures. Shape errors (missing, not a number, not a boolean) answer ValidationError with AWS's
 * "1 validation error detected" wording, which clients show as is; parameter names are case-sensitive.
 */
import { RolecallError } from '../errors.js';

/** AWS names members in validation messages in lower camel case (`roleName`). */
function memberName(param: string): string {
  return param.charAt(0).toLowerCase() + param.slice(1);
}

function validation(detail: string): RolecallError {
  return new RolecallError('ValidationError', `1 validation error detected: ${detail}`);
}

const MEMBER = '.member.';

/** One `Name.member.N`: its own value, or the `Name.member.N.Field` values by field. */
interface Member {
  value?: string;
  fields: Map<string, string>;
}

export class QueryParams {
  private members: Map<string, Map<number, Member>> | undefined;

  constructor(private readonly map: ReadonlyMap<string, string>) {}

  /** Parses an `application/x-www-form-urlencoded` body (and/or a query string); the first value of a key wins. */
  static parse(...sources: string[]): QueryParams {
    const map = new Map<string, string>();
    for (const source of sources) {
      if (source === '') continue;
      for (const [k, v] of new URLSearchParams(source)) if (!map.has(k)) map.set(k, v);
    }
    return new QueryParams(map);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  string(name: string): string | undefined {
    return this.map.get(name);
  }

  required(name: string): string {
    const v = this.map.get(name);
    if (v === undefined) {
      throw validation(
        `Value null at '${memberName(name)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return v;
  }

  int(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    if (!/^-?\d{1,15}$/.test(v)) {
      throw validation(
        `Value '${v}' at '${memberName(name)}' failed to satisfy constraint: Member must be a number`,
      );
    }
    const n = Number(v);
    if (range.min !== undefined && n < range.min) {
      throw validation(
        `Value '${v}' at '${memberName(name)}' failed to satisfy constraint: Member must have value greater than or equal to ${range.min}`,
      );
    }
    if (range.max !== undefined && n > range.max) {
      throw validation(
        `Value '${v}' at '${memberName(name)}' failed to satisfy constraint: Member must have value less than or equal to ${range.max}`,
      );
    }
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw validation(
      `Value '${v}' at '${memberName(name)}' failed to satisfy constraint: Member must be a boolean`,
    );
  }

  /**
   * Every `Name.member.N[.Field]` key grouped by list name and member index, built in one pass over the
   * parameters on first use: reading a list or its structures never rescans the whole request, so a
   * request costs time linear in its size however many members it carries.
   */
  private lists(): Map<string, Map<number, Member>> {
    if (this.members !== undefined) return this.members;
    const lists = new Map<string, Map<number, Member>>();
    for (const [key, value] of this.map) {
      const at = key.indexOf(MEMBER);
      if (at < 0) continue;
      const rest = key.slice(at + MEMBER.length);
      const dot = rest.indexOf('.');
      const digits = dot < 0 ? rest : rest.slice(0, dot);
      if (!/^[1-9]\d{0,8}$/.test(digits)) continue;
      const name = key.slice(0, at);
      let list = lists.get(name);
      if (list === undefined) lists.set(name, (list = new Map<number, Member>()));
      const n = Number(digits);
      let member = list.get(n);
      if (member === undefined) list.set(n, (member = { fields: new Map<string, string>() }));
      if (dot < 0) member.value = value;
      else member.fields.set(rest.slice(dot + 1), value);
    }
    this.members = lists;
    return lists;
  }

  /** The members of list `name`, in numeric order of N. */
  private membersOf(name: string): Member[] {
    const list = this.lists().get(name);
    if (list === undefined) return [];
    return [...list.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
  }

  /** How many `Name.member.N` entries the request carries, counted without reading them. */
  count(name: string): number {
    return this.lists().get(name)?.size ?? 0;
  }

  /** Names of every `Name.member.N` list in the request. */
  listNames(): string[] {
    return [...this.lists().keys()];
  }

  /** `Name.member.N` strings. */
  list(name: string): string[] {
    return this.membersOf(name).flatMap((m) => (m.value !== undefined ? [m.value] : []));
  }

  /** `Name.member.N.Field` structures, each read through a QueryParams scoped to its member. */
  structs<T>(name: string, read: (member: QueryParams, position: number) => T): T[] {
    const list = this.lists().get(name);
    if (list === undefined) return [];
    return [...list.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([n, m]) => read(new QueryParams(m.fields), n));
  }

  /** Every parameter, for checks that look at each once. */
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}
