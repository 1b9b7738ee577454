/**
 * The access analyses on the endpoint, JSON over SigV4 like `POST /v1/authorize`:
 * - `POST /v1/check-no-new-access` `{existingPolicyDocument, newPolicyDocument, policyType}` and
 *   `POST /v1/check-access-not-granted` `{policyDocument, access: [{actions?, resources?}], policyType}`,
 *   in Access Analyzer's request shape, answer `{result: PASS|FAIL, witness?, exact, approximations}`;
 *   the caller needs `access-analyzer:CheckNoNewAccess` / `access-analyzer:CheckAccessNotGranted`, the
 *   permissions AWS checks for the same calls (no resource types: `*`).
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementaccessanalyzer.html
 * - `POST /v1/who-can` `{action, resource}` and `POST /v1/escalation` `{principal?, target?}` read every
 *   identity and policy of the caller's account and report what each principal can do, so the caller
 *   needs what IAM asks to read them and to simulate them: `iam:GetAccountAuthorizationDetails` (`*`) and
 *   `iam:SimulatePrincipalPolicy` on every principal the answer names.
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ACCESS_POLICY_KINDS,
  checkAccessNotGranted,
  checkNoNewAccess,
  escalationReports,
  type AccessPolicyKind,
} from '../analyze/index.js';
import { compilePolicy } from '../eval/index.js';
import type { CompiledPolicy } from '../eval/types.js';
import { escalationEdges, whoCan } from '../iam/index.js';
import { parsePolicy } from '../policy/index.js';
import { RolecallError } from '../errors.js';
import type { ApiBackend } from './backend.js';
import { handleJson, invalidInput, isRecord, type JsonCall } from './json-endpoint.js';

/** Access Analyzer's policy types, beside rolecall's kinds. */
const POLICY_TYPES = { IDENTITY_POLICY: 'identity', RESOURCE_POLICY: 'resource' } as const satisfies Record<
  string,
  AccessPolicyKind
>;

function kindOf(v: unknown): AccessPolicyKind {
  if (typeof v === 'string') {
    const aws = (POLICY_TYPES as Record<string, AccessPolicyKind>)[v];
    if (aws) return aws;
    const k = ACCESS_POLICY_KINDS.find((x) => x === v);
    if (k) return k;
  }
  throw invalidInput(
    `\`policyType\` must be IDENTITY_POLICY, RESOURCE_POLICY or one of ${ACCESS_POLICY_KINDS.join(', ')}`,
    '$.policyType',
  );
}

function policyAt(body: Record<string, unknown>, field: string, kind: AccessPolicyKind): CompiledPolicy {
  const text = body[field];
  if (typeof text !== 'string')
    throw invalidInput(`\`${field}\` must be a policy document string`, `$.${field}`);
  const parsed = parsePolicy(text, { kind });
  if (!parsed.document) {
    const i = parsed.issues.find((x) => x.severity === 'error');
    throw new RolecallError('MalformedPolicyDocument', `${field}: ${i?.message ?? 'invalid policy'}`, {
      path: i ? `$.${field} ${i.path}` : `$.${field}`,
      ...(i ? { line: i.line, column: i.column } : {}),
    });
  }
  return compilePolicy(parsed.document, { kind, name: field });
}

function strings(v: unknown, path: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== ''))
    throw invalidInput('must be an array of strings', path);
  return v as string[];
}

function text(v: unknown, path: string, required: boolean): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '') throw invalidInput('must be a non-empty string', path);
  return v;
}

type Handler = (backend: ApiBackend, call: JsonCall) => Promise<Record<string, unknown>>;

const ROUTES: Record<string, Handler> = {
  '/v1/check-no-new-access': async (_backend, { body, env, authorize }) => {
    await authorize([{ action: 'access-analyzer:CheckNoNewAccess', resource: '*' }]);
    const kind = kindOf(body.policyType);
    const existing = policyAt(body, 'existingPolicyDocument', kind);
    const updated = policyAt(body, 'newPolicyDocument', kind);
    return { ...checkNoNewAccess(existing, updated, { kind, now: env.now }) };
  },
  '/v1/check-access-not-granted': async (_backend, { body, env, authorize }) => {
    await authorize([{ action: 'access-analyzer:CheckAccessNotGranted', resource: '*' }]);
    const kind = kindOf(body.policyType);
    const policy = policyAt(body, 'policyDocument', kind);
    const access = body.access;
    // One Access object of actions and/or resources, as in AWS's request.
    // https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html
    if (!Array.isArray(access) || access.length !== 1 || !isRecord(access[0]))
      throw invalidInput('`access` must hold one object of `actions` and/or `resources`', '$.access');
    const actions = strings(access[0].actions, '$.access[0].actions');
    const resources = strings(access[0].resources, '$.access[0].resources');
    if (!actions && !resources) throw invalidInput('give `actions` or `resources`', '$.access[0]');
    return {
      ...checkAccessNotGranted(policy, {
        kind,
        now: env.now,
        access: { ...(actions ? { actions } : {}), ...(resources ? { resources } : {}) },
      }),
    };
  },
  '/v1/who-can': async (backend, { body, env, caller, authorize }) => {
    const action = text(body.action, '$.action', true)!;
    const resource = text(body.resource, '$.resource', true)!;
    await authorize([{ action: 'iam:GetAccountAuthorizationDetails', resource: '*' }]);
    const principals = await whoCan(backend.access, action, resource, {
      now: env.now,
      account: caller.account,
    });
    await authorize(
      principals.map((p) => ({ action: 'iam:SimulatePrincipalPolicy', resource: p.principal })),
    );
    return { action, resource, principals };
  },
  '/v1/escalation': async (backend, { body, env, caller, authorize }) => {
    const principal = text(body.principal, '$.principal', false);
    const target = text(body.target, '$.target', false);
    await authorize([{ action: 'iam:GetAccountAuthorizationDetails', resource: '*' }]);
    const lazy = principal !== undefined && target === undefined;
    const { edges, groupsOf } = await escalationEdges(backend.access, {
      now: env.now,
      account: caller.account,
      ...(lazy ? { from: [principal] } : {}),
    });
    const reports = escalationReports(edges, groupsOf, {
      ...(principal !== undefined ? { principal } : {}),
      ...(target !== undefined ? { target } : {}),
    });
    const named = new Set<string>();
    for (const r of reports) {
      named.add(r.principal);
      for (const p of [...r.reachable, ...r.fullControl]) for (const e of p.edges) named.add(e.to);
    }
    await authorize(
      [...named]
        .filter((a) => /:(user|role)\//.test(a))
        .map((a) => ({ action: 'iam:SimulatePrincipalPolicy', resource: a })),
    );
    return { reports };
  },
};

/** The paths this file serves. */
export const ACCESS_ROUTES = Object.keys(ROUTES);

export function handleAccess(
  backend: ApiBackend,
  req: FastifyRequest,
  reply: FastifyReply,
  now: number,
): Promise<FastifyReply> | undefined {
  const path = req.url.split('?')[0] ?? '';
  const handler = ROUTES[path]!;
  return handleJson(backend, req, reply, now, (call) => handler(backend, call));
}
