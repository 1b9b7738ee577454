/**
 * The file `rolecall apply` reads and `rolecall export` writes (YAML, or JSON which YAML reads too). Every
 * problem is collected with its file, line:column and path before anything is changed.
 *
 * ```yaml
 * account: "111122223333"          # default account of the entries below
 * accounts: [{ id: "111122223333", name: prod }]
 * organization:
 *   managementAccount: "111122223333"
 *   policies: [{ name: DenyLeave, type: scp, document: {...} }]
 *   root: { scps: [FullAWSAccess, DenyLeave], accounts: ["111122223333"], units: [{ name: Workloads, accounts: [...] }] }
 * policies: [{ name: EmrAccess, path: /, document: {...} }]
 * roles: [{ name: EMR_DefaultRole_V2, path: /service-role/, trustPolicy: {...}, managedPolicies: [arn], inlinePolicies: { name: {...} }, tags: { k: v } }]
 * groups: [{ name: admins, managedPolicies: [...] }]
 * users: [{ name: alice, groups: [admins], tags: {} }]
 * instanceProfiles: [{ name: EMR_EC2_DefaultRole, path: /, roles: [EMR_EC2_DefaultRole], tags: {} }]
 * resources: [{ arn: "arn:aws:s3:::bucket", account: "111122223333", policy: {...}, tags: {} }]
 * ```
 */
import { LineCounter, isMap, isScalar, parseDocument, stringify, type Document, type Node } from 'yaml';
import { RolecallError, type ErrorPlace } from '../errors.js';
import type { PolicyKind } from '../policy/types.js';
import type { PolicyChecker } from './context.js';
import {
  checkAccountId,
  checkDescription,
  checkMaxSessionDuration,
  checkName,
  checkPath,
  checkPolicyCharacters,
  checkTags,
} from './names.js';
import {
  ROOT_PATH,
  accountTarget,
  type AccountState,
  type DeclaredState,
  type IdentityState,
  type InstanceProfileState,
  type OrgState,
  type PolicyState,
  type ResourceState,
  type RoleState,
  type UserState,
} from './state.js';
import type { OrgPolicyType, Tag } from './types.js';
import { setOwn } from '../own-key.js';

type Path = (string | number)[];

interface Problem {
  path: Path;
  message: string;
  /** Point at the key of the last path element rather than its value (unknown fields). */
  atKey?: boolean;
}

const TOP_KEYS = new Set([
  'account',
  'accounts',
  'organization',
  'policies',
  'roles',
  'groups',
  'users',
  'instanceProfiles',
  'resources',
]);

function jsonPath(path: Path): string {
  return (
    '$' +
    path
      .map((p) =>
        typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][\w]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`,
      )
      .join('')
  );
}

/** `$.Statement[0].Condition["aws:x"]` into its segments. */
function jsonPathSegments(p: string): Path {
  const out: Path = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (const m of p.slice(1).matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}

/** Text of a document given as a string (verbatim) or as an object (printed with 2-space indentation). */
function documentText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return JSON.stringify(v, null, 2);
  return undefined;
}

class Reader {
  readonly problems: Problem[] = [];
  constructor(
    readonly data: unknown,
    readonly checkPolicy: PolicyChecker,
  ) {}

  at(path: Path): unknown {
    let v: unknown = this.data;
    for (const p of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[p];
    }
    return v;
  }

  problem(path: Path, message: string, atKey = false): void {
    this.problems.push({ path, message, ...(atKey ? { atKey } : {}) });
  }

  /** Runs an AWS validator and records its message instead of throwing. */
  check(path: Path, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof RolecallError) this.problem(path, `${e.code}: ${e.message}`);
      else throw e;
    }
  }

  str(path: Path, required: boolean): string | undefined {
    const v = this.at(path);
    if (v === undefined || v === null) {
      if (required) this.problem(path, 'is required');
      return undefined;
    }
    if (typeof v === 'number' && Number.isInteger(v)) return String(v);
    if (typeof v !== 'string') {
      this.problem(path, 'must be a string');
      return undefined;
    }
    return v;
  }

  int(path: Path): number | undefined {
    const v = this.at(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.problem(path, 'must be an integer');
      return undefined;
    }
    return v;
  }

  list(path: Path): unknown[] {
    const v = this.at(path);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.problem(path, 'must be a list');
      return [];
    }
    return v;
  }

  strings(path: Path): string[] {
    return this.list(path).flatMap((_, i) => this.str([...path, i], true) ?? []);
  }

  object(path: Path, keys: readonly string[]): boolean {
    const v = this.at(path);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.problem(path, 'must be a mapping');
      return false;
    }
    for (const k of Object.keys(v)) {
      if (!keys.includes(k))
        this.problem([...path, k], `unknown field \`${k}\`; expected one of ${keys.join(', ')}`, true);
    }
    return true;
  }

  tags(path: Path): Tag[] {
    const v = this.at(path);
    if (v === undefined || v === null) return [];
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.problem(path, 'must be a mapping of tag keys to values');
      return [];
    }
    const tags = Object.entries(v as Record<string, unknown>).map(([key, value]) => ({
      key,
      value: value === null ? '' : String(value as string),
    }));
    this.check(path, () => checkTags(tags));
    return tags;
  }

  document(path: Path, kind: PolicyKind, required: boolean): string | undefined {
    const v = this.at(path);
    if (v === undefined || v === null) {
      if (required) this.problem(path, 'is required');
      return undefined;
    }
    const text = documentText(v);
    if (text === undefined) {
      this.problem(path, 'must be a policy document (a mapping, or JSON text)');
      return undefined;
    }
    this.check(path, () => checkPolicyCharacters(text));
    try {
      for (const issue of this.checkPolicy(text, kind)) {
        if (issue.severity !== 'error') continue;
        if (typeof v === 'string') {
          this.problem(
            path,
            `MalformedPolicyDocument: ${issue.path} (line ${issue.line}:${issue.column} of the text): ${issue.message}`,
          );
        } else {
          // A document written as YAML/JSON structure: the issue's JSON path continues the file's path.
          this.problem(
            [...path, ...jsonPathSegments(issue.path)],
            `MalformedPolicyDocument: ${issue.message}`,
          );
        }
      }
    } catch (e) {
      if (e instanceof RolecallError) this.problem(path, `${e.code}: ${e.message}`);
      else throw e;
    }
    return text;
  }
}

function readAccountRef(r: Reader, path: Path, fallback: string | undefined): string {
  const a = r.str([...path, 'account'], false) ?? fallback ?? '';
  if (a === '') r.problem([...path, 'account'], '`account` is required (here or at the top of the file)');
  if (a !== '') r.check([...path, 'account'], () => checkAccountId(a));
  return a;
}

function readIdentity(
  r: Reader,
  path: Path,
  kind: 'role' | 'user' | 'group',
  defaultAccount: string | undefined,
): IdentityState {
  const name = r.str([...path, 'name'], true) ?? '';
  if (name !== '')
    r.check([...path, 'name'], () =>
      checkName(kind === 'role' ? 'roleName' : kind === 'user' ? 'userName' : 'groupName', name),
    );
  const p = r.str([...path, 'path'], false) ?? '/';
  r.check([...path, 'path'], () => checkPath(p));
  const inlinePolicies: { name: string; document: string }[] = [];
  const inline = r.at([...path, 'inlinePolicies']);
  if (inline !== undefined && inline !== null) {
    if (typeof inline !== 'object' || Array.isArray(inline))
      r.problem([...path, 'inlinePolicies'], 'must be a mapping of policy names to documents');
    else {
      for (const pname of Object.keys(inline)) {
        r.check([...path, 'inlinePolicies', pname], () => checkName('policyName', pname));
        const doc = r.document([...path, 'inlinePolicies', pname], 'identity', true);
        if (doc !== undefined) inlinePolicies.push({ name: pname, document: doc });
      }
    }
  }
  return {
    account: readAccountRef(r, path, defaultAccount),
    name,
    path: p,
    inlinePolicies,
    managedPolicies: r.strings([...path, 'managedPolicies']),
  };
}

const IDENTITY_KEYS = ['account', 'name', 'path', 'inlinePolicies', 'managedPolicies'];

function readOrgNode(
  r: Reader,
  path: Path,
  nodePath: string,
  org: OrgState,
  seenAccounts: Set<string>,
): void {
  if (!r.object(path, ['name', 'scps', 'rcps', 'accounts', 'units'])) return;
  for (const [slot, map] of [
    ['scps', org.scps],
    ['rcps', org.rcps],
  ] as const) {
    if (r.at([...path, slot]) !== undefined) map.set(nodePath, r.strings([...path, slot]));
  }
  r.list([...path, 'accounts']).forEach((a, i) => {
    const p = [...path, 'accounts', i];
    let id: string | undefined;
    if (typeof a === 'object' && a !== null && !Array.isArray(a)) {
      r.object(p, ['id', 'scps', 'rcps']);
      id = r.str([...p, 'id'], true);
      if (id !== undefined) {
        for (const [slot, map] of [
          ['scps', org.scps],
          ['rcps', org.rcps],
        ] as const) {
          if (r.at([...p, slot]) !== undefined) map.set(accountTarget(id), r.strings([...p, slot]));
        }
      }
    } else id = r.str(p, true);
    if (id === undefined) return;
    r.check(p, () => checkAccountId(id));
    if (seenAccounts.has(id)) r.problem(p, `account \`${id}\` is placed twice in the organization`);
    seenAccounts.add(id);
    org.accounts.set(id, nodePath);
  });
  const names = new Set<string>();
  r.list([...path, 'units']).forEach((_, i) => {
    const p = [...path, 'units', i];
    const name = r.str([...p, 'name'], true);
    if (name === undefined) return;
    if (name.includes('/') || name.length > 128 || name === '')
      r.problem([...p, 'name'], 'OU names are 1 to 128 characters without `/`');
    if (names.has(name)) r.problem([...p, 'name'], `duplicate OU \`${name}\` under the same parent`);
    names.add(name);
    const child = nodePath === ROOT_PATH ? name : `${nodePath}/${name}`;
    org.units.push(child);
    readOrgNode(r, p, child, org, seenAccounts);
  });
}

/** Parses and validates a state file; throws InvalidFile listing every problem with its place. */
export function parseStateFile(text: string, file: string, checkPolicy: PolicyChecker): DeclaredState {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, uniqueKeys: true });
  const details: { message: string; place: ErrorPlace }[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0];
    details.push({
      message: e.message.split('\n')[0] ?? e.message,
      place: { file, ...(pos ? { line: pos.line, column: pos.col } : {}) },
    });
  }
  if (details.length > 0) throw fileError(file, details);
  const data: unknown = doc.toJS();
  const r = new Reader(data ?? {}, checkPolicy);
  const state: DeclaredState = {
    accounts: [],
    policies: [],
    groups: [],
    roles: [],
    users: [],
    instanceProfiles: [],
    resources: [],
  };
  if (r.object([], [...TOP_KEYS])) {
    const defaultAccount = r.str(['account'], false);
    if (defaultAccount !== undefined) r.check(['account'], () => checkAccountId(defaultAccount));

    r.list(['accounts']).forEach((_, i) => {
      const p = ['accounts', i];
      if (!r.object(p, ['id', 'name', 'email', 'tags'])) return;
      const id = r.str([...p, 'id'], true);
      if (id === undefined) return;
      r.check([...p, 'id'], () => checkAccountId(id));
      const email = r.str([...p, 'email'], false);
      const a: AccountState = {
        id,
        name: r.str([...p, 'name'], false) ?? id,
        tags: r.tags([...p, 'tags']),
        ...(email !== undefined ? { email } : {}),
      };
      state.accounts.push(a);
    });

    if (
      r.at(['organization']) !== undefined &&
      r.object(['organization'], ['managementAccount', 'policies', 'root'])
    ) {
      const mgmt = r.str(['organization', 'managementAccount'], true) ?? '';
      if (mgmt !== '') r.check(['organization', 'managementAccount'], () => checkAccountId(mgmt));
      const org: OrgState = {
        managementAccount: mgmt,
        policies: [],
        units: [],
        accounts: new Map(),
        scps: new Map(),
        rcps: new Map(),
      };
      r.list(['organization', 'policies']).forEach((_, i) => {
        const p = ['organization', 'policies', i];
        if (!r.object(p, ['name', 'type', 'description', 'document'])) return;
        const name = r.str([...p, 'name'], true);
        const type = r.str([...p, 'type'], true);
        if (type !== undefined && type !== 'scp' && type !== 'rcp')
          r.problem([...p, 'type'], 'must be `scp` or `rcp`');
        const kind: OrgPolicyType = type === 'rcp' ? 'rcp' : 'scp';
        const document = r.document([...p, 'document'], kind, true);
        if (name !== undefined && document !== undefined) {
          org.policies.push({
            name,
            type: kind,
            description: r.str([...p, 'description'], false) ?? '',
            document,
          });
        }
      });
      if (r.at(['organization', 'root']) !== undefined)
        readOrgNode(r, ['organization', 'root'], ROOT_PATH, org, new Set());
      if (mgmt !== '' && !org.accounts.has(mgmt)) org.accounts.set(mgmt, ROOT_PATH);
      const known = (type: OrgPolicyType) =>
        new Set([
          type === 'scp' ? 'FullAWSAccess' : 'RCPFullAWSAccess',
          ...org.policies.filter((x) => x.type === type).map((x) => x.name),
        ]);
      for (const [slot, map] of [
        ['scp', org.scps],
        ['rcp', org.rcps],
      ] as const) {
        for (const [target, names] of map) {
          for (const n of names) {
            if (!known(slot).has(n)) {
              r.problem(
                ['organization'],
                `${slot.toUpperCase()} \`${n}\` attached at \`${target || 'root'}\` is not declared in organization.policies`,
              );
            }
          }
        }
      }
      state.organization = org;
    }

    r.list(['policies']).forEach((_, i) => {
      const p = ['policies', i];
      if (!r.object(p, ['account', 'name', 'path', 'description', 'document', 'tags'])) return;
      const name = r.str([...p, 'name'], true) ?? '';
      if (name !== '') r.check([...p, 'name'], () => checkName('policyName', name));
      const path = r.str([...p, 'path'], false) ?? '/';
      r.check([...p, 'path'], () => checkPath(path));
      const description = r.str([...p, 'description'], false);
      if (description !== undefined) r.check([...p, 'description'], () => checkDescription(description));
      const document = r.document([...p, 'document'], 'identity', true) ?? '';
      const ps: PolicyState = {
        account: readAccountRef(r, p, defaultAccount),
        name,
        path,
        document,
        tags: r.tags([...p, 'tags']),
        ...(description !== undefined ? { description } : {}),
      };
      state.policies.push(ps);
    });

    r.list(['groups']).forEach((_, i) => {
      const p = ['groups', i];
      if (!r.object(p, IDENTITY_KEYS)) return;
      state.groups.push(readIdentity(r, p, 'group', defaultAccount));
    });

    r.list(['roles']).forEach((_, i) => {
      const p = ['roles', i];
      if (
        !r.object(p, [
          ...IDENTITY_KEYS,
          'trustPolicy',
          'description',
          'maxSessionDuration',
          'permissionsBoundary',
          'tags',
        ])
      )
        return;
      const base = readIdentity(r, p, 'role', defaultAccount);
      const description = r.str([...p, 'description'], false);
      if (description !== undefined) r.check([...p, 'description'], () => checkDescription(description));
      const max = r.int([...p, 'maxSessionDuration']) ?? 3600;
      r.check([...p, 'maxSessionDuration'], () => checkMaxSessionDuration(max));
      const boundary = r.str([...p, 'permissionsBoundary'], false);
      const role: RoleState = {
        ...base,
        trustPolicy: r.document([...p, 'trustPolicy'], 'trust', true) ?? '',
        maxSessionDuration: max,
        tags: r.tags([...p, 'tags']),
        ...(description !== undefined ? { description } : {}),
        ...(boundary !== undefined ? { permissionsBoundary: boundary } : {}),
      };
      state.roles.push(role);
    });

    r.list(['users']).forEach((_, i) => {
      const p = ['users', i];
      if (!r.object(p, [...IDENTITY_KEYS, 'permissionsBoundary', 'groups', 'tags'])) return;
      const base = readIdentity(r, p, 'user', defaultAccount);
      const boundary = r.str([...p, 'permissionsBoundary'], false);
      const user: UserState = {
        ...base,
        groups: r.strings([...p, 'groups']),
        tags: r.tags([...p, 'tags']),
        ...(boundary !== undefined ? { permissionsBoundary: boundary } : {}),
      };
      state.users.push(user);
    });

    r.list(['instanceProfiles']).forEach((_, i) => {
      const p = ['instanceProfiles', i];
      if (!r.object(p, ['account', 'name', 'path', 'roles', 'tags'])) return;
      const name = r.str([...p, 'name'], true) ?? '';
      if (name !== '') r.check([...p, 'name'], () => checkName('instanceProfileName', name));
      const path = r.str([...p, 'path'], false) ?? '/';
      r.check([...p, 'path'], () => checkPath(path));
      const ip: InstanceProfileState = {
        account: readAccountRef(r, p, defaultAccount),
        name,
        path,
        roles: r.strings([...p, 'roles']),
        tags: r.tags([...p, 'tags']),
      };
      state.instanceProfiles?.push(ip);
    });

    r.list(['resources']).forEach((_, i) => {
      const p = ['resources', i];
      if (!r.object(p, ['arn', 'account', 'policy', 'tags', 'attributes'])) return;
      const arn = r.str([...p, 'arn'], true) ?? '';
      const arnAccount = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];
      if (arn !== '' && !/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+/.test(arn))
        r.problem([...p, 'arn'], `ARN \`${arn}\` is not valid`);
      const account = r.str([...p, 'account'], false) ?? arnAccount ?? defaultAccount ?? '';
      if (account === '') r.problem(p, 'the owner `account` is required when the ARN names none');
      const policy = r.document([...p, 'policy'], 'resource', false);
      const attrs = r.at([...p, 'attributes']);
      const attributes: Record<string, string> = {};
      if (attrs !== undefined && attrs !== null) {
        if (typeof attrs !== 'object' || Array.isArray(attrs))
          r.problem([...p, 'attributes'], 'must be a mapping');
        else for (const [k, v] of Object.entries(attrs)) setOwn(attributes, k, String(v as string));
      }
      const rs: ResourceState = {
        arn,
        account,
        tags: r.tags([...p, 'tags']),
        attributes,
        ...(policy !== undefined ? { policy } : {}),
      };
      state.resources.push(rs);
    });

    checkDuplicates(r, state);
    checkReferences(r, state);
  }
  if (r.problems.length > 0) {
    throw fileError(
      file,
      r.problems
        .map((pr) => {
          // A missing field is reported at its nearest enclosing node.
          let start: number | undefined;
          if (pr.atKey) {
            const parent = doc.getIn(pr.path.slice(0, -1), true);
            const last = pr.path[pr.path.length - 1];
            if (isMap(parent)) {
              const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === last);
              if (pair && isScalar(pair.key) && pair.key.range) start = pair.key.range[0];
            }
          }
          for (let n = pr.path.length; n >= 0 && start === undefined; n--) {
            const node = doc.getIn(pr.path.slice(0, n), true) as Node | undefined;
            if (node && typeof node === 'object' && 'range' in node && node.range) start = node.range[0];
          }
          const pos = start !== undefined ? lineCounter.linePos(start) : undefined;
          return {
            message: pr.message,
            place: { file, path: jsonPath(pr.path), ...(pos ? { line: pos.line, column: pos.col } : {}) },
          };
        })
        .sort(
          (a, b) =>
            (a.place.line ?? 0) - (b.place.line ?? 0) || (a.place.column ?? 0) - (b.place.column ?? 0),
        ),
    );
  }
  return state;
}

function checkDuplicates(r: Reader, s: DeclaredState): void {
  const dup = (section: string, keys: string[]) => {
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      if (seen.has(k))
        r.problem([section, i], `duplicate entry \`${k}\` (names are unique per account regardless of case)`);
      seen.add(k);
    });
  };
  dup(
    'accounts',
    s.accounts.map((a) => a.id),
  );
  dup(
    'policies',
    s.policies.map((p) => `${p.account}/${p.name.toLowerCase()}`),
  );
  dup(
    'roles',
    s.roles.map((p) => `${p.account}/${p.name.toLowerCase()}`),
  );
  dup(
    'users',
    s.users.map((p) => `${p.account}/${p.name.toLowerCase()}`),
  );
  dup(
    'groups',
    s.groups.map((p) => `${p.account}/${p.name.toLowerCase()}`),
  );
  dup(
    'instanceProfiles',
    (s.instanceProfiles ?? []).map((p) => `${p.account}/${p.name.toLowerCase()}`),
  );
  dup(
    'resources',
    s.resources.map((p) => p.arn),
  );
}

function checkReferences(r: Reader, s: DeclaredState): void {
  const declared = new Set(s.policies.map((p) => `arn:aws:iam::${p.account}:policy${p.path}${p.name}`));
  const policyRef = (path: Path, arn: string) => {
    if (arn.startsWith('arn:aws:iam::aws:policy/')) return;
    if (!declared.has(arn)) r.problem(path, `managed policy \`${arn}\` is not declared in policies`);
  };
  (['roles', 'users', 'groups'] as const).forEach((section) => {
    s[section].forEach((e: IdentityState & { permissionsBoundary?: string }, i) => {
      e.managedPolicies.forEach((arn, j) => policyRef([section, i, 'managedPolicies', j], arn));
      if (e.permissionsBoundary !== undefined)
        policyRef([section, i, 'permissionsBoundary'], e.permissionsBoundary);
    });
  });
  const groups = new Set(s.groups.map((g) => `${g.account}/${g.name.toLowerCase()}`));
  s.users.forEach((u, i) =>
    u.groups.forEach((g, j) => {
      if (!groups.has(`${u.account}/${g.toLowerCase()}`))
        r.problem(['users', i, 'groups', j], `group \`${g}\` is not declared in groups`);
    }),
  );
  const roles = new Set(s.roles.map((x) => `${x.account}/${x.name.toLowerCase()}`));
  (s.instanceProfiles ?? []).forEach((p, i) =>
    p.roles.forEach((name, j) => {
      if (!roles.has(`${p.account}/${name.toLowerCase()}`))
        r.problem(['instanceProfiles', i, 'roles', j], `role \`${name}\` is not declared in roles`);
    }),
  );
}

function fileError(file: string, details: { message: string; place: ErrorPlace }[]): RolecallError {
  return new RolecallError(
    'InvalidFile',
    `${details.length} problem${details.length === 1 ? '' : 's'} in \`${file}\`; nothing was changed`,
    { file },
    details,
  );
}

/** A document as the file shows it: an object when it is exactly its own 2-space printing, else the text. */
function documentValue(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    if (JSON.stringify(parsed, null, 2) === text) return parsed;
  } catch {
    // not JSON: kept as text
  }
  return text;
}

function tagMap(tags: readonly Tag[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => [t.key, t.value]));
}

/** The state as a file object, in the format parseStateFile reads. */
export function stateToFile(s: DeclaredState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.accounts = s.accounts.map((a) => ({
    id: a.id,
    name: a.name,
    ...(a.email !== undefined ? { email: a.email } : {}),
    ...(a.tags.length ? { tags: tagMap(a.tags) } : {}),
  }));
  if (s.organization) {
    const o = s.organization;
    const node = (path: string, name?: string): Record<string, unknown> => {
      const n: Record<string, unknown> = {};
      if (name !== undefined) n.name = name;
      n.scps = o.scps.get(path) ?? [];
      n.rcps = o.rcps.get(path) ?? [];
      const accounts = [...o.accounts]
        .filter(([, p]) => p === path)
        .map(([id]) => id)
        .sort();
      if (accounts.length) {
        n.accounts = accounts.map((id) => ({
          id,
          scps: o.scps.get(accountTarget(id)) ?? [],
          rcps: o.rcps.get(accountTarget(id)) ?? [],
        }));
      }
      const children = o.units.filter((u) =>
        path === ROOT_PATH
          ? !u.includes('/')
          : u.startsWith(path + '/') && !u.slice(path.length + 1).includes('/'),
      );
      if (children.length) n.units = children.map((c) => node(c, c.slice(c.lastIndexOf('/') + 1)));
      return n;
    };
    out.organization = {
      managementAccount: o.managementAccount,
      policies: o.policies.map((p) => ({
        name: p.name,
        type: p.type,
        ...(p.description ? { description: p.description } : {}),
        document: documentValue(p.document),
      })),
      root: node(ROOT_PATH),
    };
  }
  const identity = (e: IdentityState) => ({
    account: e.account,
    name: e.name,
    path: e.path,
    ...(e.inlinePolicies.length
      ? {
          inlinePolicies: Object.fromEntries(
            e.inlinePolicies.map((p) => [p.name, documentValue(p.document)]),
          ),
        }
      : {}),
    ...(e.managedPolicies.length ? { managedPolicies: e.managedPolicies } : {}),
  });
  out.policies = s.policies.map((p) => ({
    account: p.account,
    name: p.name,
    path: p.path,
    ...(p.description !== undefined ? { description: p.description } : {}),
    document: documentValue(p.document),
    ...(p.tags.length ? { tags: tagMap(p.tags) } : {}),
  }));
  out.groups = s.groups.map(identity);
  out.roles = s.roles.map((r) => ({
    ...identity(r),
    ...(r.description !== undefined ? { description: r.description } : {}),
    maxSessionDuration: r.maxSessionDuration,
    ...(r.permissionsBoundary !== undefined ? { permissionsBoundary: r.permissionsBoundary } : {}),
    trustPolicy: documentValue(r.trustPolicy),
    ...(r.tags.length ? { tags: tagMap(r.tags) } : {}),
  }));
  out.users = s.users.map((u) => ({
    ...identity(u),
    ...(u.permissionsBoundary !== undefined ? { permissionsBoundary: u.permissionsBoundary } : {}),
    ...(u.groups.length ? { groups: u.groups } : {}),
    ...(u.tags.length ? { tags: tagMap(u.tags) } : {}),
  }));
  if (s.instanceProfiles?.length) {
    out.instanceProfiles = s.instanceProfiles.map((p) => ({
      account: p.account,
      name: p.name,
      path: p.path,
      ...(p.roles.length ? { roles: p.roles } : {}),
      ...(p.tags.length ? { tags: tagMap(p.tags) } : {}),
    }));
  }
  out.resources = s.resources.map((r) => ({
    arn: r.arn,
    account: r.account,
    ...(r.policy !== undefined ? { policy: documentValue(r.policy) } : {}),
    ...(r.tags.length ? { tags: tagMap(r.tags) } : {}),
    ...(Object.keys(r.attributes).length ? { attributes: r.attributes } : {}),
  }));
  return out;
}

export function formatStateFile(s: DeclaredState, format: 'yaml' | 'json'): string {
  const obj = stateToFile(s);
  // Written with YAML 1.1's quoting, so that readers of either version load `2012-10-17`, `yes` or `on`
  // as the strings they are (a YAML 1.1 reader takes a bare 2012-10-17 for a date).
  return format === 'json'
    ? JSON.stringify(obj, null, 2) + '\n'
    : stringify(obj, { lineWidth: 0, version: '1.1' });
}
