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

export class QueryParams {
  constructor(private readonly map: ReadonlyMap<string, string>) {}

  /** Parses an `application/x-www-form-urlencoded` body (and/or a query string); the first value of a key wins. */
  static parse(...sources: string[]): QueryParams {
    const map = new Map<string, string>();
    for (const source of sources) {
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

  /** Indexes N present under `prefix.member.`, in numeric order. */
  private indexes(name: string): number[] {
    const prefix = `${name}.member.`;
    const found = new Set<number>();
    for (const key of this.map.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const dot = rest.indexOf('.');
      const n = Number(dot < 0 ? rest : rest.slice(0, dot));
      if (Number.isInteger(n) && n > 0) found.add(n);
    }
    return [...found].sort((a, b) => a - b);
  }

  /** `Name.member.N` strings. */
  list(name: string): string[] {
    const out: string[] = [];
    for (const i of this.indexes(name)) {
      const v = this.map.get(`${name}.member.${i}`);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /** `Name.member.N.Field` structures, each read through a QueryParams scoped to its member. */
  structs<T>(name: string, read: (member: QueryParams, position: number) => T): T[] {
    return this.indexes(name).map((i) => {
      const prefix = `${name}.member.${i}.`;
      const sub = new Map<string, string>();
      for (const [k, v] of this.map) if (k.startsWith(prefix)) sub.set(k.slice(prefix.length), v);
      return read(new QueryParams(sub), i);
    });
  }
}
