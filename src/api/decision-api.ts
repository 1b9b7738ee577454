/**
 * `POST /v1/authorize`: rolecall as a local policy decision point. JSON in
 * (`{principal, action, resource, context?, resourceAccount?, credential?}` or `{requests: [...]}`, with
 * `explain`; `credential`, an access key id, decides with that session's own policies, tags and issue time),
 * JSON out (`{decision, reason, explanation?}` or `{results: [...]}`). Signed with SigV4 like every other
 * request; the caller must be allowed `iam:SimulatePrincipalPolicy` on each principal it asks about,
 * the permission AWS requires to ask the same question of IAM.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 */
import { RolecallError } from '../errors.js';
import type { AuthzRequest, AuthzResult, ContextValue, RequestPrincipal } from '../eval/types.js';
import type { ApiBackend } from './backend.js';
import { authorizeCalls } from './call-auth.js';
import { invalidInput, isRecord, JsonMembers, whenResolved, type JsonCall } from './json-endpoint.js';
import type { CallAuthorization, OperationContext } from './operation.js';
import { setOwn } from '../own-key.js';

/** Largest batch accepted in one request. */
export const MAX_BATCH = 1000;

const invalid = invalidInput;

function readPrincipal(v: unknown, path: string): RequestPrincipal {
  if (typeof v === 'string' && v !== '') return v;
  if (isRecord(v) && typeof v.Service === 'string' && v.Service !== '') return { Service: v.Service };
  throw invalid('`principal` must be an ARN string or `{"Service": "..."}`', path);
}

const isScalar = (x: unknown): x is string | number | boolean =>
  typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';

function readContext(v: unknown, path: string): Record<string, ContextValue> {
  if (v === undefined) return {};
  if (!isRecord(v)) throw invalid('`context` must be an object of context keys', path);
  const out: Record<string, ContextValue> = {};
  for (const key in v) {
    if (!Object.hasOwn(v, key)) continue;
    const value = v[key];
    if (isScalar(value)) setOwn(out, key, value);
    else if (Array.isArray(value) && value.every(isScalar)) setOwn(out, key, value);
    else
      throw invalid(
        `context key \`${key}\` must be a string, number, boolean or an array of them`,
        `${path}.${key}`,
      );
  }
  return out;
}

/** The credential (access key id) a decision request names, deciding with that session's own record. */
const credentials = new WeakMap<AuthzRequest, string>();

export function readDecisionRequest(v: unknown, path: string): AuthzRequest {
  if (!isRecord(v)) throw invalid('a decision request must be a JSON object', path);
  const action = v.action;
  const resource = v.resource;
  if (typeof action !== 'string' || action === '') throw invalid('`action` is required', `${path}.action`);
  if (typeof resource !== 'string' || resource === '') {
    throw invalid('`resource` is required', `${path}.resource`);
  }
  const request: AuthzRequest = {
    principal: readPrincipal(v.principal, `${path}.principal`),
    action,
    resource,
    context: readContext(v.context, `${path}.context`),
  };
  if (v.credential !== undefined) {
    if (typeof v.credential !== 'string' || !/^A[SK]IA[A-Z0-9]{16}$/.test(v.credential)) {
      throw invalid('`credential` must be an access key id', `${path}.credential`);
    }
    credentials.set(request, v.credential);
  }
  if (v.resourceAccount !== undefined) {
    if (typeof v.resourceAccount !== 'string') {
      throw invalid('`resourceAccount` must be a string', `${path}.resourceAccount`);
    }
    request.resourceAccount = v.resourceAccount;
  }
  return request;
}

const rendered = new Map<string, string>();

/** One result as JSON members, without braces: `"decision":…,"reason":…[,"explanation":…]`. */
function render(result: AuthzResult): string {
  if (result.explanation !== undefined) {
    return `"decision":${JSON.stringify(result.decision)},"reason":${JSON.stringify(result.reason)},"explanation":${JSON.stringify(result.explanation)}`;
  }
  // Decisions and reasons are closed sets: each pair is rendered once.
  const key = `${result.decision}\0${result.reason}`;
  let text = rendered.get(key);
  if (text === undefined) {
    text = `"decision":${JSON.stringify(result.decision)},"reason":${JSON.stringify(result.reason)}`;
    rendered.set(key, text);
  }
  return text;
}

/** The permission the caller needs on a principal it asks about. */
const askAbout = (principal: string): CallAuthorization => ({
  action: 'iam:SimulatePrincipalPolicy',
  resource: principal,
});

const principalOf = (r: AuthzRequest): string => (typeof r.principal === 'string' ? r.principal : '*');

/** The caller's checks, one per principal asked about (each once). */
function askCalls(requests: readonly AuthzRequest[]): CallAuthorization[] {
  if (requests.length === 1) return [askAbout(principalOf(requests[0]!))];
  return [...new Set(requests.map(principalOf))].map(askAbout);
}

/**
 * Decides requests for an authenticated caller (the decision API's and the console's explainer's one
 * path): the caller must be allowed `iam:SimulatePrincipalPolicy` on every principal asked about.
 */
export function decideFor(
  backend: ApiBackend,
  ctx: OperationContext,
  requests: readonly AuthzRequest[],
  explain: boolean,
): AuthzResult[] | Promise<AuthzResult[]> {
  // Federated user credentials call no IAM operation (API_GetFederationToken.html, Permissions).
  if (ctx.caller.federated) {
    throw new RolecallError(
      'AccessDenied',
      `User: ${ctx.caller.arn} is not authorized to perform: iam:SimulatePrincipalPolicy with federated user credentials`,
    );
  }
  const allowed = authorizeCalls(backend, askCalls(requests), ctx);
  if (allowed instanceof Promise) return allowed.then(() => decideAllowed(backend, ctx, requests, explain));
  return decideAllowed(backend, ctx, requests, explain);
}

/** decideFor once the caller is allowed. */
function decideAllowed(
  backend: ApiBackend,
  ctx: OperationContext,
  requests: readonly AuthzRequest[],
  explain: boolean,
): AuthzResult[] | Promise<AuthzResult[]> {
  let named: (string | undefined)[] | undefined;
  for (let i = 0; i < requests.length; i++) {
    const credential = credentials.get(requests[i]!);
    if (credential !== undefined) (named ??= new Array<string | undefined>(requests.length))[i] = credential;
  }
  // The context has the environment's members (now, sourceIp, region).
  return backend.decideAll(requests, ctx, explain, named);
}

/** One result as the answer's members. */
const oneAnswer = (results: AuthzResult[]): JsonMembers => new JsonMembers(render(results[0]!));

/** The decision API's answer to one call (`POST /v1/authorize`). */
export function decisionAnswer({ backend, body: parsed, ctx }: JsonCall): JsonMembers | Promise<JsonMembers> {
  const explain = parsed.explain === true;
  if (parsed.requests === undefined) {
    return whenResolved(decideFor(backend, ctx, [readDecisionRequest(parsed, '$')], explain), oneAnswer);
  }
  if (!Array.isArray(parsed.requests)) throw invalid('`requests` must be an array', '$.requests');
  if (parsed.requests.length > MAX_BATCH) {
    throw invalid(`a batch holds at most ${MAX_BATCH} requests`, '$.requests');
  }
  const requests = parsed.requests.map((r, i) => readDecisionRequest(r, `$.requests[${i}]`));
  return whenResolved(decideFor(backend, ctx, requests, explain), (results) => {
    let text = '"results":[';
    for (let i = 0; i < results.length; i++) text += `${i > 0 ? ',' : ''}{${render(results[i]!)}}`;
    return new JsonMembers(`${text}]`);
  });
}
