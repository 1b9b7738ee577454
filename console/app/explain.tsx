/**
 * The decision explainer: a request in (principal, action, resource, context, with a field for every
 * context key the matching statements use), the engine's explanation out: AWS's evaluation flow drawn
 * with the deciding step highlighted, and every policy and statement with what matched and, for each
 * failing condition, the values it wanted and the values the request had.
 */
import { useEffect, useState } from 'preact/hooks';
import type {
  AuthzResult,
  Explanation,
  PolicyExplanation,
  StatementExplanation,
} from '../../src/eval/types.ts';
import { DECISION_REASONS } from '../../src/eval/types.ts';
import { RESOURCE_TYPES } from '../../src/iam/types.ts';
import { call, callAll, type Json } from './api.ts';
import { ErrorBox, Field, HeadTable, Options, PageTitle } from './components.tsx';
import { asApiError } from './hooks.ts';
import type { ApiError } from './api.ts';

/** AWS's flow, in the engine's step names (src/eval/authorize.ts). */
const FLOW = [
  { id: 'explicit-deny', label: 'Explicit Deny in any policy?' },
  { id: 'resource-control-policies', label: 'Resource control policies allow?' },
  { id: 'service-control-policies', label: 'Service control policies allow?' },
  { id: 'key-policy', label: 'KMS key policy allows?' },
  { id: 'trust-policy', label: 'Role trust policy allows?' },
  { id: 'identity-and-resource-policies', label: 'Identity- or resource-based policy allows?' },
  { id: 'permissions-boundary', label: 'Permissions boundary allows?' },
  { id: 'session-policy', label: 'Session policy allows?' },
] as const;

type StepState = 'passed' | 'decided' | 'skipped' | 'not-reached';

function stepStates(
  result: AuthzResult,
): { id: string; label: string; state: StepState; outcome?: string }[] {
  const ran = new Map((result.explanation?.steps ?? []).map((s) => [s.step, s.outcome]));
  const last = result.explanation?.steps.at(-1)?.step;
  const decidedAt = result.decision === 'Allow' ? undefined : last;
  const decidedIndex = FLOW.findIndex((f) => f.id === decidedAt);
  return FLOW.map((f, i) => {
    const outcome = ran.get(f.id);
    const state: StepState =
      f.id === decidedAt
        ? 'decided'
        : outcome !== undefined
          ? 'passed'
          : decidedIndex >= 0 && i > decidedIndex
            ? 'not-reached'
            : 'skipped';
    return { id: f.id, label: f.label, state, ...(outcome !== undefined ? { outcome } : {}) };
  });
}

const policyLabel = (p: PolicyExplanation) =>
  `${p.slot.toUpperCase()} ${p.name ?? '(unnamed)'}${p.level !== undefined ? ` at level ${p.level}` : ''}`;

/**
 * The policies that made a step decide: the ones with an applying Deny for the explicit-deny step; for
 * the SCP and RCP steps, every policy of each level where no statement allows; the boundary or session
 * policies for theirs.
 */
function decidingPolicies(result: AuthzResult, step: string): string[] {
  const all = result.explanation?.policies ?? [];
  const slot = (
    {
      'service-control-policies': 'scp',
      'resource-control-policies': 'rcp',
      'permissions-boundary': 'boundary',
      'session-policy': 'session',
    } as Record<string, string>
  )[step];
  if (step === 'explicit-deny')
    return all.filter((p) => p.statements.some((s) => s.applies && s.effect === 'Deny')).map(policyLabel);
  if (slot === undefined) return [];
  const mine = all.filter((p) => p.slot === slot);
  if (slot !== 'scp' && slot !== 'rcp') return mine.map(policyLabel);
  // At a level that allows nothing, the policies with Allow statements (none of them applies); a level
  // with none (only Deny statements, or no statement for the action) is named whole.
  const failing = mine.filter(
    (p) =>
      !mine.some((q) => q.level === p.level && q.statements.some((x) => x.applies && x.effect === 'Allow')),
  );
  const allowing = failing.filter((p) => p.statements.some((x) => x.effect === 'Allow'));
  const levelsNamed = new Set(allowing.map((p) => p.level));
  return failing.filter((p) => !levelsNamed.has(p.level) || allowing.includes(p)).map(policyLabel);
}

const STATE_TEXT: Record<StepState, string> = {
  passed: 'passed',
  decided: 'decided here',
  skipped: 'not applicable',
  'not-reached': 'not reached',
};

function FlowDiagram({ result }: { result: AuthzResult }) {
  const steps = stepStates(result);
  const allowed = result.decision === 'Allow';
  const w = 520;
  const h = 62;
  const gap = 18;
  const height = (steps.length + 1) * (h + gap);
  return (
    <figure class="flow">
      <figcaption id="flow-title">AWS evaluation flow for this request</figcaption>
      <svg
        viewBox={`0 0 ${w} ${height}`}
        role="img"
        aria-labelledby="flow-title"
        class="flow-diagram"
        preserveAspectRatio="xMinYMin meet"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="5"
            refY="9"
            markerWidth="8"
            markerHeight="8"
            orient="auto"
          >
            <path d="M0,0 L10,0 L5,10 z" class="arrow-head" />
          </marker>
        </defs>
        {steps.map((s, i) => {
          const y = i * (h + gap);
          const by = s.state === 'decided' ? decidingPolicies(result, s.id) : [];
          return (
            <g
              class={`step ${s.state}`}
              data-step={s.id}
              data-state={s.state}
              data-policies={by.join(', ')}
              key={s.id}
            >
              <rect x="1" y={y + 1} width={w - 2} height={h} rx="6" />
              <text x="12" y={y + 19} class="step-label">
                {s.label}
              </text>
              <text x="12" y={y + 37} class="step-outcome">
                {s.outcome ?? STATE_TEXT[s.state]}
              </text>
              {by.length > 0 && (
                <text x="12" y={y + 54} class="step-policies">
                  by {by.join(', ')}
                </text>
              )}
              <line x1={w / 2} y1={y + h + 1} x2={w / 2} y2={y + h + gap - 2} marker-end="url(#arrow)" />
            </g>
          );
        })}
        <g
          class={`step final ${allowed ? 'allow decided' : 'deny'}`}
          data-step="final"
          data-state={allowed ? 'decided' : 'passed'}
        >
          <rect x="1" y={steps.length * (h + gap) + 1} width={w - 2} height={h} rx="6" />
          <text x="12" y={steps.length * (h + gap) + 36} class="step-label">
            {result.decision}
          </text>
        </g>
      </svg>
      <ol class="flow-text" aria-label="Evaluation steps">
        {steps.map((s) => (
          <li key={s.id} class={s.state} data-state={s.state}>
            {s.label} — {s.outcome ?? STATE_TEXT[s.state]}
            {s.state === 'decided' && <strong> (deciding step)</strong>}
            {s.state === 'decided' && decidingPolicies(result, s.id).length > 0 && (
              <span class="by"> by {decidingPolicies(result, s.id).join(', ')}</span>
            )}
          </li>
        ))}
      </ol>
    </figure>
  );
}

function matchText(m: { matched: boolean; element: string; matchedBy?: string } | undefined): string {
  if (m === undefined) return '—';
  return m.matched
    ? `${m.element} matched${m.matchedBy !== undefined ? ` by ${m.matchedBy}` : ''}`
    : `${m.element} did not match`;
}

function StatementView({ s }: { s: StatementExplanation }) {
  return (
    <article class={`statement ${s.applies ? 'applies' : 'not-applies'}`} data-sid={s.sid ?? String(s.index)}>
      <h4>
        Statement {s.sid ?? `#${s.index}`} <span class={`badge ${s.effect.toLowerCase()}`}>{s.effect}</span>{' '}
        <span class="badge">{s.applies ? 'applies' : 'does not apply'}</span>{' '}
        <small>
          line {s.pos.line}:{s.pos.column}
        </small>
      </h4>
      <ul class="matches">
        <li>{matchText(s.action)}</li>
        {s.resource !== undefined && <li>{matchText(s.resource)}</li>}
        {s.principal !== undefined && <li>{matchText(s.principal)}</li>}
      </ul>
      {s.conditions.length > 0 && (
        <HeadTable
          label={`Conditions of statement ${s.sid ?? s.index}`}
          class="conditions"
          head={['Operator', 'Key', 'Wanted', 'Seen', 'Result']}
        >
          {s.conditions.map((c, i) => (
            <tr key={i} class={c.matched ? 'condition matched' : 'condition failing'} data-key={c.key}>
              <td>
                <code>{c.operator}</code>
              </td>
              <td>
                <code>{c.key}</code>
              </td>
              <td class="wanted">{c.values.join(', ')}</td>
              <td class="seen">{c.seen === undefined ? '(key missing)' : c.seen.join(', ')}</td>
              <td>{c.matched ? 'matched' : 'failed'}</td>
            </tr>
          ))}
        </HeadTable>
      )}
    </article>
  );
}

function PolicyView({ p }: { p: PolicyExplanation }) {
  return (
    <section class="policy-explained">
      <h3>
        {p.slot}
        {p.level !== undefined ? ` level ${p.level}` : ''}: {p.name ?? '(unnamed)'}
      </h3>
      {p.statements.length === 0 ? (
        <p class="empty">No statement for this action.</p>
      ) : (
        p.statements.map((s) => <StatementView key={s.index} s={s} />)
      )}
    </section>
  );
}

/** Condition keys used by statements whose action matched, and keys the request lacked. */
function keysOf(explanation: Explanation | undefined): string[] {
  const keys = new Set<string>(explanation?.missingContextKeys ?? []);
  for (const p of explanation?.policies ?? [])
    for (const s of p.statements) if (s.action.matched) for (const c of s.conditions) keys.add(c.key);
  return [...keys].sort();
}

function contextValue(text: string): unknown {
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v)) return v;
    } catch {
      // not a JSON list: the text itself
    }
  }
  return text;
}

export function Explainer({ query }: { query: URLSearchParams }) {
  const [principal, setPrincipal] = useState(query.get('principal') ?? '');
  const [action, setAction] = useState(query.get('action') ?? '');
  const [resource, setResource] = useState(query.get('resource') ?? '*');
  const [resourceAccount, setResourceAccount] = useState('');
  const [context, setContext] = useState<{ key: string; value: string }[]>([]);
  const [newKey, setNewKey] = useState('');
  const [principals, setPrincipals] = useState<string[]>([]);
  const [resources, setResources] = useState<string[]>([]);
  const [actions, setActions] = useState<string[]>([]);
  const service = /^([a-z0-9-]+):/i.exec(action.trim())?.[1]?.toLowerCase() ?? '';
  const [result, setResult] = useState<AuthzResult | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // Offered principals: the roles and users the caller may list (nothing when it may not).
    const names = (p: Promise<Json[]>) =>
      p.then(
        (l) => l.map((x) => String(x.Arn)),
        () => [],
      );
    void Promise.all([names(callAll('ListRoles', 'Roles')), names(callAll('ListUsers', 'Users'))]).then((l) =>
      setPrincipals(l.flat()),
    );
    // Offered resources: the registered ones the caller may list.
    void Promise.all(
      RESOURCE_TYPES.map((type) =>
        call<{ resources: Json[] }>('console', 'ListResources', { Type: type }).then(
          (r) => r.resources.map((x) => String(x.arn)),
          () => [],
        ),
      ),
    ).then((l) => setResources(l.flat()));
  }, []);

  useEffect(() => {
    // Offered actions: the service's actions from AWS's service authorization data.
    if (service === '') return;
    let live = true;
    call<{ actions: string[] }>('console', 'ListActions', { Service: service }).then(
      (r) => live && setActions(r.actions),
      () => live && setActions([]),
    );
    return () => {
      live = false;
    };
  }, [service]);

  const setValue = (key: string, value: string) =>
    setContext((c) => c.map((x) => (x.key === key ? { key, value } : x)));
  const addKeys = (keys: string[]) =>
    setContext((c) => [
      ...c,
      ...keys
        .filter((k) => !c.some((x) => x.key.toLowerCase() === k.toLowerCase()))
        .map((key) => ({ key, value: '' })),
    ]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const ctx: Record<string, unknown> = {};
      for (const c of context) if (c.value !== '') ctx[c.key] = contextValue(c.value);
      const request = {
        principal: principal.trim(),
        action: action.trim(),
        resource: resource.trim(),
        context: ctx,
        ...(resourceAccount.trim() !== '' ? { resourceAccount: resourceAccount.trim() } : {}),
      };
      const r = await call<{ result: AuthzResult }>('console', 'Explain', {
        Request: JSON.stringify(request),
      });
      setResult(r.result);
      addKeys(keysOf(r.result.explanation));
    } catch (err) {
      setResult(undefined);
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <PageTitle>Explain a decision</PageTitle>
      <form onSubmit={(e) => void submit(e)} class="explain-form" aria-label="Request to explain">
        <Options id="principal-options" values={principals} />
        <Options id="action-options" values={actions} />
        <Options id="resource-options" values={[...resources, ...principals]} />
        <Field
          id="explain-principal"
          label="Principal (ARN or service name)"
          value={principal}
          onInput={setPrincipal}
          list="principal-options"
          required
        />
        <Field
          id="explain-action"
          label="Action"
          value={action}
          onInput={setAction}
          placeholder="s3:GetObject"
          list="action-options"
          required
        />
        <Field
          id="explain-resource"
          label="Resource"
          value={resource}
          onInput={setResource}
          list="resource-options"
          required
        />
        <Field
          id="explain-resource-account"
          label="Resource account (when the ARN names none)"
          value={resourceAccount}
          onInput={setResourceAccount}
        />
        <fieldset>
          <legend>Request context</legend>
          {context.length === 0 && (
            <p class="hint">Explain once: the context keys the matching statements use appear here.</p>
          )}
          {context.map((c, i) => (
            <div class="context-row" key={c.key}>
              <Field
                id={`context-${i}`}
                label={c.key}
                value={c.value}
                onInput={(v) => setValue(c.key, v)}
                placeholder='value, or ["a","b"] for several'
              />
              <button
                type="button"
                aria-label={`Remove context key ${c.key}`}
                onClick={() => setContext((all) => all.filter((x) => x.key !== c.key))}
              >
                Remove
              </button>
            </div>
          ))}
          <div class="row">
            <Field
              id="context-new-key"
              label="Add a context key"
              value={newKey}
              onInput={setNewKey}
              placeholder="aws:SourceIp"
            />
            <button
              type="button"
              onClick={() => {
                if (newKey.trim() !== '') addKeys([newKey.trim()]);
                setNewKey('');
              }}
            >
              Add key
            </button>
          </div>
        </fieldset>
        <button type="submit" disabled={busy}>
          Explain
        </button>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      {result !== undefined && (
        <section aria-labelledby="decision-h" class="decision-result">
          <h2
            id="decision-h"
            class={`decision ${result.decision === 'Allow' ? 'allow' : 'deny'}`}
            data-decision={result.decision}
          >
            {result.decision}: {DECISION_REASONS[result.reason]}
          </h2>
          <FlowDiagram result={result} />
          {(result.explanation?.missingContextKeys.length ?? 0) > 0 && (
            <p class="missing">
              Context keys the conditions asked for and the request did not carry:{' '}
              {result.explanation?.missingContextKeys.map((k) => (
                <code key={k}>{k} </code>
              ))}
            </p>
          )}
          <h2>Policies and statements</h2>
          {(result.explanation?.policies ?? []).length === 0 ? (
            <p class="empty">No policy applies to this principal.</p>
          ) : (
            result.explanation?.policies.map((p, i) => <PolicyView key={i} p={p} />)
          )}
        </section>
      )}
    </section>
  );
}
