/**
 * Policy text → typed document with positions, and every grammar problem as data.
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 * Never throws: any input gives a result with issues.
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from './jsonc.js';
import { completeArnPattern, parseArn } from './arn.js';
import {
  CONDITION_OPERATORS,
  type ConditionClause,
  type ConditionOperator,
  type Effect,
  type Located,
  type ParseOptions,
  type ParseResult,
  type PolicyDocument,
  type PolicyIssue,
  type PolicyKind,
  type PrincipalBlock,
  type PrincipalType,
  type SourcePos,
  type Statement,
} from './types.js';
import { editDistance } from './edit-distance.js';

/** AWS's answer to most structural problems; the issue's hint says which one it was. */
const SYNTAX = 'Syntax errors in policy.';
const INVALID_JSON = 'This policy contains invalid Json';
const NO_ACTIONS = 'Policy statement must contain actions.';
const NO_RESOURCES = 'Policy statement must contain resources.';
const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_TYPES: readonly PrincipalType[] = ['AWS', 'Service', 'Federated', 'CanonicalUser'];
const OPERATORS = new Set<string>(CONDITION_OPERATORS);
const OPERATORS_LOWER = new Map(CONDITION_OPERATORS.map((o) => [o.toLowerCase(), o] as const));
/** Policies without a principal: identity-based, boundaries, session policies and SCPs. */
const NO_PRINCIPAL_KINDS = new Set<PolicyKind>(['identity', 'boundary', 'session', 'scp']);

class Parser {
  readonly issues: PolicyIssue[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  pos(offset: number, path: string): SourcePos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1, offset, path };
  }

  issue(
    code: string,
    message: string,
    at: SourcePos,
    hint?: string,
    severity: 'error' | 'warning' = 'error',
  ): void {
    const i: PolicyIssue = { code, severity, message, path: at.path, line: at.line, column: at.column };
    if (hint !== undefined) i.hint = hint;
    this.issues.push(i);
  }

  /** Object properties in order, reporting duplicate keys (AWS rejects them as a syntax error). */
  props(node: Node, path: string): Map<string, { key: Node; value: Node; path: string }> {
    const out = new Map<string, { key: Node; value: Node; path: string }>();
    for (const prop of node.children ?? []) {
      const [key, value] = prop.children ?? [];
      if (!key || !value || typeof key.value !== 'string') continue;
      const name = key.value;
      const p = `${path}.${name}`;
      if (out.has(name)) {
        this.issue('DuplicateKey', `duplicate key \`${name}\``, this.pos(key.offset, p));
        continue;
      }
      out.set(name, { key, value, path: p });
    }
    return out;
  }

  /** A string or an array of strings (and, where allowed, numbers/booleans stringified). */
  stringList(
    node: Node,
    path: string,
    element: string,
    scalars = false,
    allowEmpty = false,
    emptyMessage = SYNTAX,
  ): Located[] | undefined {
    const one = (n: Node, p: string): Located | undefined => {
      if (n.type === 'string') return { value: n.value as string, pos: this.pos(n.offset, p) };
      if (scalars && (n.type === 'number' || n.type === 'boolean')) {
        return { value: String(n.value), pos: this.pos(n.offset, p) };
      }
      // AWS answers a wrongly typed element with its generic syntax error; the hint says which.
      this.issue(
        'InvalidType',
        SYNTAX,
        this.pos(n.offset, p),
        `${element} must be a string or an array of strings`,
      );
      return undefined;
    };
    if (node.type === 'array') {
      const items = node.children ?? [];
      if (items.length === 0 && !allowEmpty) {
        this.issue('EmptyArray', emptyMessage, this.pos(node.offset, path), `${element} must not be empty`);
        return undefined;
      }
      const out: Located[] = [];
      items.forEach((n, i) => {
        const v = one(n, `${path}[${i}]`);
        if (v) out.push(v);
      });
      return out;
    }
    const v = one(node, path);
    return v ? [v] : undefined;
  }
}

export function parsePolicy(input: unknown, opts: ParseOptions = {}): ParseResult {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = JSON.stringify(input, null, 2) ?? '';
    } catch {
      text = '';
    }
  }
  const p = new Parser(text);
  try {
    return parseText(p, text, opts);
  } catch (e) {
    // Defensive: the parser must never throw on user input.
    p.issue(
      'InternalError',
      `could not parse policy: ${e instanceof Error ? e.message : String(e)}`,
      p.pos(0, '$'),
    );
    return { issues: p.issues };
  }
}

function parseText(p: Parser, text: string, opts: ParseOptions): ParseResult {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first) {
    // A document that is not JSON (a trailing comma, a missing brace) is answered "This policy contains
    // invalid Json" (IAM's CreateRole, recorded against AWS in localstack's
    // tests/aws/services/iam/test_iam.snapshot.json; S3's PutBucketPolicy says the same); JSON that is not a
    // valid policy gets "Syntax errors in policy." below. Later JSON errors only follow from the first.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_policies.html
    p.issue('JsonSyntax', INVALID_JSON, p.pos(first.offset, '$'), printParseErrorCode(first.error));
  }
  if (errors.length > 0 || !root) {
    if (!root && errors.length === 0) p.issue('JsonSyntax', INVALID_JSON, p.pos(0, '$'), 'empty document');
    return { issues: p.issues };
  }
  if (root.type !== 'object') {
    p.issue('InvalidType', SYNTAX, p.pos(root.offset, '$'), 'a policy is a JSON object');
    return { issues: p.issues };
  }
  const top = p.props(root, '$');
  for (const [name, { key, path }] of top) {
    if (!TOP_LEVEL.has(name)) {
      p.issue('UnknownElement', SYNTAX, p.pos(key.offset, path), `unknown element \`${name}\``);
    }
  }
  const doc: PolicyDocument = { statements: [], singleStatement: false };
  const version = top.get('Version');
  if (version) {
    const v = version.value.value as unknown;
    if (version.value.type !== 'string' || (v !== '2012-10-17' && v !== '2008-10-17')) {
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
      p.issue(
        'InvalidVersion',
        'The policy must contain a valid version string',
        p.pos(version.value.offset, version.path),
        'use `2012-10-17`',
      );
    } else doc.version = v;
  }
  if (opts.kind === 'rcp' && doc.version !== '2012-10-17' && !(version && !doc.version)) {
    // Every RCP must say Version 2012-10-17.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html
    p.issue(
      'InvalidVersion',
      'The policy must contain a valid version string',
      version ? p.pos(version.value.offset, version.path) : p.pos(root.offset, '$'),
      'a resource control policy needs `"Version": "2012-10-17"`',
    );
  }
  const id = top.get('Id');
  if (id) {
    if (id.value.type === 'string')
      doc.id = { value: id.value.value as string, pos: p.pos(id.value.offset, id.path) };
    else p.issue('InvalidType', SYNTAX, p.pos(id.value.offset, id.path), 'Id must be a string');
  }
  const stmt = top.get('Statement');
  if (!stmt) {
    p.issue('MissingStatement', SYNTAX, p.pos(root.offset, '$'), 'a policy needs a Statement');
    return { issues: p.issues };
  }
  let nodes: { node: Node; path: string }[];
  if (stmt.value.type === 'object') {
    doc.singleStatement = true;
    nodes = [{ node: stmt.value, path: stmt.path }];
  } else if (stmt.value.type === 'array') {
    nodes = (stmt.value.children ?? []).map((node, i) => ({ node, path: `${stmt.path}[${i}]` }));
    if (nodes.length === 0)
      p.issue('EmptyArray', SYNTAX, p.pos(stmt.value.offset, stmt.path), 'Statement must not be empty');
  } else {
    p.issue(
      'InvalidType',
      SYNTAX,
      p.pos(stmt.value.offset, stmt.path),
      'Statement must be an object or an array of objects',
    );
    nodes = [];
  }
  const sids = new Map<string, SourcePos>();
  nodes.forEach(({ node, path }, index) => {
    const s = parseStatement(p, node, path, index, opts.kind, doc.version !== undefined);
    if (!s) return;
    if (s.sid) {
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
      if (sids.has(s.sid.value)) {
        p.issue('DuplicateSid', 'Statement IDs (SID) in a single policy must be unique.', s.sid.pos);
      } else sids.set(s.sid.value, s.sid.pos);
    }
    doc.statements.push(s);
  });
  const ok = !p.issues.some((i) => i.severity === 'error');
  return ok ? { document: doc, issues: p.issues } : { issues: p.issues };
}

function parseStatement(
  p: Parser,
  node: Node,
  path: string,
  index: number,
  kind: PolicyKind | undefined,
  _versioned: boolean,
): Statement | undefined {
  const at = p.pos(node.offset, path);
  if (node.type !== 'object') {
    p.issue('InvalidType', SYNTAX, at, 'each statement is a JSON object');
    return undefined;
  }
  const props = p.props(node, path);
  for (const [name, { key, path: kp }] of props) {
    if (!STATEMENT_ELEMENTS.has(name)) {
      p.issue('UnknownElement', SYNTAX, p.pos(key.offset, kp), `unknown element \`${name}\``);
    }
  }
  const stmt: Statement = { index, effect: 'Allow', conditions: [], pos: at };
  const sid = props.get('Sid');
  if (sid) {
    if (sid.value.type !== 'string')
      p.issue('InvalidType', SYNTAX, p.pos(sid.value.offset, sid.path), 'Sid must be a string');
    else {
      const value = sid.value.value as string;
      stmt.sid = { value, pos: p.pos(sid.value.offset, sid.path) };
      // IAM policies accept only ASCII letters and digits in Sid; other policy kinds are looser.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
      if ((kind === 'identity' || kind === 'boundary') && !/^[A-Za-z0-9]*$/.test(value)) {
        p.issue(
          'InvalidSid',
          'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
          stmt.sid.pos,
        );
      }
    }
  }
  const effect = props.get('Effect');
  if (!effect) p.issue('MissingEffect', SYNTAX, at, 'a statement needs an Effect');
  else if (
    effect.value.type !== 'string' ||
    (effect.value.value !== 'Allow' && effect.value.value !== 'Deny')
  ) {
    p.issue(
      'InvalidEffect',
      SYNTAX,
      p.pos(effect.value.offset, effect.path),
      'Effect is `Allow` or `Deny` (case-sensitive)',
    );
  } else stmt.effect = effect.value.value as Effect;

  const pair = <K extends 'action' | 'resource'>(
    k: K,
    pos: string,
    neg: string,
    check: (v: Located) => void,
  ): void => {
    const a = props.get(pos);
    const n = props.get(neg);
    const empty = k === 'action' ? NO_ACTIONS : NO_RESOURCES;
    if (a && n)
      p.issue(
        `${pos}And${neg}`,
        SYNTAX,
        p.pos(n.key.offset, n.path),
        `a statement has ${pos} or ${neg}, not both`,
      );
    if (a) {
      const l = p.stringList(a.value, a.path, pos, false, false, empty);
      if (l) {
        l.forEach(check);
        stmt[k] = l;
      }
    }
    if (n) {
      const l = p.stringList(n.value, n.path, neg, false, false, empty);
      if (l) {
        l.forEach(check);
        if (k === 'action') stmt.notAction = l;
        else stmt.notResource = l;
      }
    }
  };
  pair('action', 'Action', 'NotAction', (v) => {
    checkAction(p, v);
    if (kind === 'trust') checkTrustAction(p, v);
  });
  pair('resource', 'Resource', 'NotResource', (v) => checkResource(p, v));
  if (!props.has('Action') && !props.has('NotAction')) p.issue('MissingAction', NO_ACTIONS, at);
  if (!props.has('Resource') && !props.has('NotResource')) {
    // Trust policies name no resource (the role is the resource); every other kind must.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    if (kind !== 'trust' && kind !== undefined) {
      p.issue('MissingResource', NO_RESOURCES, at);
    }
  } else if (kind === 'trust') {
    const r = props.get('Resource') ?? props.get('NotResource');
    if (r)
      p.issue(
        'ProhibitedResource',
        `Has prohibited field ${r.path.slice(r.path.lastIndexOf('.') + 1)}`,
        p.pos(r.key.offset, r.path),
      );
  }

  const principal = props.get('Principal');
  const notPrincipal = props.get('NotPrincipal');
  if (principal && notPrincipal) {
    p.issue(
      'PrincipalAndNotPrincipal',
      SYNTAX,
      p.pos(notPrincipal.key.offset, notPrincipal.path),
      'a statement has Principal or NotPrincipal, not both',
    );
  }
  for (const [entry, name] of [
    [principal, 'Principal'],
    [notPrincipal, 'NotPrincipal'],
  ] as const) {
    if (!entry) continue;
    if (kind !== undefined && NO_PRINCIPAL_KINDS.has(kind)) {
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
      p.issue(
        'UnexpectedPrincipal',
        'Policy document should not specify a principal.',
        p.pos(entry.key.offset, entry.path),
      );
      continue;
    }
    const block = parsePrincipal(p, entry.value, entry.path, name);
    if (!block) continue;
    if (name === 'Principal') stmt.principal = block;
    else stmt.notPrincipal = block;
  }
  if ((kind === 'resource' || kind === 'trust' || kind === 'rcp') && !principal && !notPrincipal) {
    p.issue('MissingPrincipal', 'Missing required field Principal', at);
  }
  if (notPrincipal && (kind === 'rcp' || kind === 'trust')) {
    // Neither RCPs nor role trust policies take NotPrincipal.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    p.issue(
      'UnsupportedElement',
      `\`NotPrincipal\` is not supported in a ${kind === 'rcp' ? 'resource control' : 'role trust'} policy`,
      p.pos(notPrincipal.key.offset, notPrincipal.path),
      'use `Principal` with an `aws:PrincipalArn` condition',
    );
  } else if (notPrincipal && stmt.effect === 'Allow' && effect) {
    // NotPrincipal is only supported with Deny; an Allow would grant everyone not listed.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    p.issue(
      'NotPrincipalWithAllow',
      '`NotPrincipal` is only supported with `"Effect": "Deny"`',
      p.pos(notPrincipal.key.offset, notPrincipal.path),
    );
  }
  if (kind === 'rcp') checkRcpStatement(p, stmt, props, at);

  const cond = props.get('Condition');
  if (cond) parseConditions(p, cond.value, cond.path, stmt.conditions);
  return stmt;
}

function checkAction(p: Parser, v: Located): void {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
  if (v.value === '*') return;
  const colon = v.value.indexOf(':');
  if (colon <= 0 || colon === v.value.length - 1 || !/^[A-Za-z0-9*?_.-]+$/.test(v.value.slice(0, colon))) {
    p.issue(
      'InvalidAction',
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
      v.pos,
      `\`${v.value}\` is not \`service:action\``,
    );
  } else if (v.value.indexOf(':', colon + 1) >= 0) {
    p.issue('InvalidAction', 'Actions/Condition can contain only one colon.', v.pos, `in \`${v.value}\``);
  }
}

/**
 * A role trust policy governs only how the role is assumed: its actions are STS's (AssumeRole*,
 * TagSession, SetSourceIdentity, SetContext), which act on the role.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html
 */
function checkTrustAction(p: Parser, v: Located): void {
  if (v.value === '*') return;
  const colon = v.value.indexOf(':');
  if (colon <= 0 || v.value.slice(0, colon).toLowerCase() === 'sts') return;
  p.issue(
    'InvalidTrustAction',
    'AssumeRole policy may only specify STS AssumeRole actions.',
    v.pos,
    `\`${v.value}\` belongs in a permissions policy`,
  );
}

/**
 * RCP rules: Principal is always `"*"` (conditions narrow it), NotAction is not an RCP element, and
 * Allow is only supported in the RCPFullAWSAccess policy that AWS attaches.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html
 */
function checkRcpStatement(
  p: Parser,
  stmt: Statement,
  props: Map<string, { key: Node; value: Node; path: string }>,
  at: SourcePos,
): void {
  const principal = props.get('Principal');
  if (principal && stmt.principal && !stmt.principal.wildcard) {
    p.issue(
      'InvalidPrincipal',
      'Invalid principal in policy: a resource control policy names `"Principal": "*"`',
      p.pos(principal.value.offset, principal.path),
      'restrict principals with conditions such as `aws:PrincipalArn`',
    );
  }
  const notAction = props.get('NotAction');
  if (notAction) {
    p.issue(
      'UnsupportedElement',
      '`NotAction` is not supported in a resource control policy',
      p.pos(notAction.key.offset, notAction.path),
    );
  }
  const everything = (l: Located[] | undefined) => l?.length === 1 && l[0]!.value === '*';
  if (
    stmt.effect === 'Allow' &&
    props.has('Effect') &&
    !(everything(stmt.action) && everything(stmt.resource) && stmt.conditions.length === 0)
  ) {
    p.issue(
      'RcpAllow',
      '`Allow` in a resource control policy is only supported in `RCPFullAWSAccess`',
      at,
      'write RCPs as Deny statements',
      'warning',
    );
  }
}

function checkResource(p: Parser, v: Located): void {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
  if (v.value === '*') return;
  if (!v.value.startsWith('arn:')) {
    p.issue('MalformedArn', `Resource ${v.value} must be in ARN format or "*".`, v.pos);
    return;
  }
  // Fewer than six fields are completed with wildcards (`arn:aws:sqs` is `arn:aws:sqs:*:*:*`)
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
  const complete = completeArnPattern(v.value);
  const arn = parseArn(complete);
  const parts = v.value.split(':').length;
  const service = v.value.split(':')[2] ?? '';
  if (parts < 3 || service === '' || /[*?]/.test(service)) {
    // `arn:aws` and `arn:aws:s3*:...` name no service.
    p.issue('MalformedArn', 'Resource vendor must be fully qualified and cannot contain regexes.', v.pos);
  } else if (!arn || arn.partition === '') {
    p.issue(
      'MalformedArn',
      'The policy failed legacy parsing',
      v.pos,
      `\`${v.value}\` is not \`arn:partition:service:region:account:resource\``,
    );
  } else if (arn.service === 'iam' && arn.region !== '' && !/[*?]|\$\{/.test(arn.region)) {
    // IAM is global: its ARNs have an empty region.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
    p.issue('MalformedArn', `IAM resource ${v.value} cannot contain region information.`, v.pos);
  }
}

function parsePrincipal(p: Parser, node: Node, path: string, name: string): PrincipalBlock | undefined {
  const pos = p.pos(node.offset, path);
  if (node.type === 'string') {
    if (node.value === '*') return { wildcard: true, entries: [], pos };
    p.issue('InvalidPrincipal', `Invalid principal in policy: ${name} must be "*" or a map`, pos);
    return undefined;
  }
  if (node.type !== 'object') {
    p.issue('InvalidPrincipal', `Invalid principal in policy: ${name} must be "*" or a map`, pos);
    return undefined;
  }
  const block: PrincipalBlock = { wildcard: false, entries: [], pos };
  for (const [type, { key, value, path: tp }] of p.props(node, path)) {
    if (!(PRINCIPAL_TYPES as readonly string[]).includes(type)) {
      p.issue(
        'InvalidPrincipal',
        `Invalid principal in policy: unknown principal type \`${type}\``,
        p.pos(key.offset, tp),
        'use AWS, Service, Federated or CanonicalUser',
      );
      continue;
    }
    const values = p.stringList(value, tp, `${name}.${type}`);
    if (!values) continue;
    for (const v of values) {
      // An IAM user's or role's unique id names that principal, and nothing once it is deleted: accepted,
      // with a warning (reference_identifiers.html#identifiers-unique-ids).
      if (type === 'AWS' && UNIQUE_ID.test(v.value)) {
        p.issue(
          'UniqueIdPrincipal',
          `\`${v.value}\` is the unique id of ${v.value.startsWith('AIDA') ? 'a user' : 'a role'}: it names that principal only while it exists`,
          v.pos,
          'name the principal by its ARN',
          'warning',
        );
      } else if (type === 'AWS' && v.value !== '*' && !/^\d{12}$/.test(v.value)) {
        const arn = parseArn(v.value);
        // The account of a principal ARN is 12 digits (CloudFront origin access identities use
        // `cloudfront`); IAM rejects any other as an invalid principal.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
        const account = arn && (/^\d{12}$/.test(arn.account) || arn.account === 'cloudfront');
        if (!arn || (arn.service !== 'iam' && arn.service !== 'sts') || /[*?]/.test(v.value) || !account) {
          p.issue(
            'InvalidPrincipal',
            `Invalid principal in policy: "AWS":"${v.value}"`,
            v.pos,
            'use an account id, a unique id, or an IAM user, role, root or role session ARN',
          );
        }
      }
    }
    block.entries.push({ type: type as PrincipalType, values });
  }
  return block;
}

/** `AIDA…` (user) or `AROA…` (role) unique ids: the prefix and 17 characters. */
export const UNIQUE_ID = /^A(?:IDA|ROA)[A-Z0-9]{17}$/;

function suggestOperator(op: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of CONDITION_OPERATORS) {
    const dist = editDistance(op.toLowerCase(), o.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = o;
    }
  }
  return bestD <= 3 ? best : undefined;
}

/** `[ForAllValues:|ForAnyValue:]Operator[IfExists]`. */
export function splitOperator(
  raw: string,
): { base: ConditionOperator; qualifier?: 'ForAllValues' | 'ForAnyValue'; ifExists: boolean } | undefined {
  let rest = raw;
  let qualifier: 'ForAllValues' | 'ForAnyValue' | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const q = rest.slice(0, colon);
    if (q !== 'ForAllValues' && q !== 'ForAnyValue') return undefined;
    qualifier = q;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.endsWith('IfExists')) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  if (!OPERATORS.has(rest)) return undefined;
  // Null has no IfExists form: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
  if (rest === 'Null' && ifExists) return undefined;
  return qualifier
    ? { base: rest as ConditionOperator, qualifier, ifExists }
    : { base: rest as ConditionOperator, ifExists };
}

function parseConditions(p: Parser, node: Node, path: string, out: ConditionClause[]): void {
  if (node.type !== 'object') {
    p.issue('InvalidType', SYNTAX, p.pos(node.offset, path), 'Condition must be an object');
    return;
  }
  for (const [op, { key, value, path: opPath }] of p.props(node, path)) {
    const split = splitOperator(op);
    if (!split) {
      // Operator names are case-sensitive; a case slip gets its own hint.
      const exact = OPERATORS_LOWER.get(op.toLowerCase());
      const hint = exact ?? suggestOperator(op.replace(/^For(All|Any)Values?:/, '').replace(/IfExists$/, ''));
      p.issue(
        'UnknownConditionOperator',
        `Invalid Condition type : ${op}`,
        p.pos(key.offset, opPath),
        hint ? `did you mean \`${hint}\`?` : undefined,
      );
      continue;
    }
    if (value.type !== 'object') {
      p.issue(
        'InvalidType',
        SYNTAX,
        p.pos(value.offset, opPath),
        `condition operator \`${op}\` must map keys to values`,
      );
      continue;
    }
    for (const [ckey, { key: knode, value: vnode, path: kp }] of p.props(value, opPath)) {
      // An empty value list is legal: ForAllValues with [] matches only an absent key.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
      const values = p.stringList(vnode, kp, `condition key \`${ckey}\``, true, true);
      if (!values) continue;
      if (ckey === '')
        p.issue('InvalidConditionKey', SYNTAX, p.pos(knode.offset, kp), 'a condition key must not be empty');
      if (split.base === 'Null') {
        for (const v of values) {
          if (v.value !== 'true' && v.value !== 'false') {
            p.issue('InvalidConditionValue', `Null takes \`true\` or \`false\`, not \`${v.value}\``, v.pos);
          }
        }
      }
      const clause: ConditionClause = {
        operator: op,
        baseOperator: split.base,
        ifExists: split.ifExists,
        key: ckey,
        keyLower: ckey.toLowerCase(),
        values,
        pos: p.pos(knode.offset, kp),
      };
      if (split.qualifier) clause.qualifier = split.qualifier;
      out.push(clause);
    }
  }
}
