/**
 * EMR readiness, as `rolecall emr check` reports it: one role checked as one EMR kind (optionally with
 * an environment file for its network, S3 locations, keys and secrets), or the whole imported setup
 * (every Studio, Serverless application and Notebooks role in the store). Every call the service makes,
 * OK, DENIED or UNDECIDABLE, why, what blocks it, and the proven fix to copy.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, callAll, type Json } from './api.ts';
import { ErrorBox, Field, HeadTable, Options, PageTitle, Select } from './components.tsx';
import { asApiError } from './hooks.ts';
import type { ApiError } from './api.ts';

const KINDS = [
  ['notebooks', 'EMR Notebooks service role'],
  ['studio', 'EMR Studio service role'],
  ['serverless', 'EMR Serverless job runtime role'],
] as const;

const SETUP_KINDS = [['', 'Every EMR service'], ...KINDS] as const;

const SCOPES = [
  ['role', 'One role'],
  ['setup', 'The whole imported setup'],
] as const;

interface CallRow {
  operation: string;
  action: string;
  resource: string;
  decision: string;
  reason: string;
  statement?: string;
  failedCondition?: { operator: string; key: string; values: string[]; seen?: string[] };
  fix?: string[];
  fixes?: unknown[];
  proven?: boolean;
  blockedBy?: string;
  source: string;
}

interface Report {
  ready: boolean;
  targets: { name: string; kind: string; role: string; ready: boolean; results: CallRow[] }[];
}

const RESULT_TEXT: Record<string, string> = { Allow: 'OK', Unknown: 'UNDECIDABLE' };
const notOk = (rows: readonly CallRow[]) => rows.filter((r) => r.decision !== 'Allow').length;

function Why({ r }: { r: CallRow }) {
  if (r.decision === 'Allow') return null;
  if (r.decision === 'Unknown') return <>{r.reason}</>;
  const c = r.failedCondition;
  return (
    <>
      {r.statement !== undefined ? `nearest statement ${r.statement}` : 'no statement allows it'}
      {c !== undefined && (
        <div class="failing">
          <code>{c.operator}</code> <code>{c.key}</code> wants {c.values.join(', ')}, request had{' '}
          {c.seen === undefined ? 'no value' : c.seen.join(', ')}
        </div>
      )}
      {r.blockedBy !== undefined && <div class="blocked">{r.blockedBy}</div>}
    </>
  );
}

function Fix({ r }: { r: CallRow }) {
  if (r.fix === undefined || r.fix.length === 0) return null;
  return (
    <>
      <pre tabIndex={0} aria-label={`Fix for ${r.action}`} class="fix">
        {r.fix.join('\n')}
      </pre>
      {r.proven !== undefined && (
        <p class={r.proven ? 'proven' : 'unproven'}>
          {r.proven
            ? 'proven: allowed once the fix is applied'
            : 'not enough alone: still denied with the fix applied'}
        </p>
      )}
      <details>
        <summary>The fix as JSON</summary>
        <pre tabIndex={0} aria-label={`Fix for ${r.action} as JSON`} class="fix">
          {JSON.stringify(r.fixes, null, 2)}
        </pre>
      </details>
    </>
  );
}

function TargetReport({ t, index }: { t: Report['targets'][number]; index: number }) {
  const id = `target-${index}`;
  return (
    <section aria-labelledby={id} class="target" data-target={t.name} data-ready={String(t.ready)}>
      <h3 id={id}>
        {t.name} <code>{t.role}</code>{' '}
        <span class={`badge ${t.ready ? 'allow' : 'deny'}`}>
          {t.ready ? 'ready' : `${notOk(t.results)} of ${t.results.length} calls not allowed`}
        </span>
      </h3>
      <HeadTable label={`Calls of ${t.name}`} class="readiness" head={['Result', 'Call', 'Why', 'Fix']}>
        {t.results.map((r, i) => (
          <tr key={i} class={r.decision === 'Allow' ? 'ok' : 'denied'} data-decision={r.decision}>
            <td>{RESULT_TEXT[r.decision] ?? 'DENIED'}</td>
            <td>
              <code>{r.action}</code> on <code>{r.resource}</code>
              <br />
              <small>
                {r.operation} · <a href={r.source}>source</a>
              </small>
            </td>
            <td>
              <Why r={r} />
            </td>
            <td>
              <Fix r={r} />
            </td>
          </tr>
        ))}
      </HeadTable>
    </section>
  );
}

export function Readiness({ query }: { query: URLSearchParams }) {
  const [scope, setScope] = useState(query.get('scope') === 'setup' ? 'setup' : 'role');
  const [role, setRole] = useState(query.get('role') ?? '');
  const [kind, setKind] = useState(query.get('kind') ?? (query.get('scope') === 'setup' ? '' : 'notebooks'));
  const [environment, setEnvironment] = useState('');
  const [locations, setLocations] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [report, setReport] = useState<Report | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    callAll<Json>('ListRoles', 'Roles').then(
      (l) => setRoles(l.map((r) => String(r.RoleName))),
      () => setRoles([]),
    );
  }, []);

  const chooseScope = (s: string) => {
    setScope(s);
    setReport(undefined);
    setError(undefined);
    setKind(s === 'role' ? 'notebooks' : '');
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setReport(
        await call<Report>(
          'console',
          'EmrReadiness',
          scope === 'role'
            ? { RoleName: role.trim(), Kind: kind, Environment: environment, Locations: locations }
            : { ...(kind !== '' ? { Kind: kind } : {}), Locations: locations },
        ),
      );
    } catch (err) {
      setReport(undefined);
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const calls = report?.targets.flatMap((t) => t.results) ?? [];
  const targets = report?.targets.length ?? 0;
  return (
    <section>
      <PageTitle>EMR readiness</PageTitle>
      <form onSubmit={(e) => void submit(e)} aria-label="Readiness check">
        <Select
          id="readiness-scope"
          label="What to check"
          value={scope}
          options={SCOPES}
          onChange={chooseScope}
        />
        {scope === 'role' ? (
          <>
            <Options id="role-options" values={roles} />
            <Field
              id="readiness-role"
              label="Role name"
              value={role}
              onInput={setRole}
              list="role-options"
              required
            />
            <Select id="readiness-kind" label="EMR service" value={kind} options={KINDS} onChange={setKind} />
            <div class="field">
              <label for="readiness-env">
                Environment file (optional; YAML or JSON as for emr check --env: account, region, vpc,
                subnets, securityGroups, s3, key, secrets, …)
              </label>
              <textarea
                id="readiness-env"
                rows={8}
                spellcheck={false}
                value={environment}
                placeholder={"account: '123456789012'\nregion: us-east-1\nsubnets: [{ id: subnet-1 }]"}
                onInput={(e) => setEnvironment(e.currentTarget.value)}
              />
            </div>
          </>
        ) : (
          <Select
            id="readiness-setup-kind"
            label="EMR service"
            value={kind}
            options={SETUP_KINDS}
            onChange={setKind}
          />
        )}
        <div class="field">
          <label for="readiness-locations">
            S3 locations of job runs and notebooks (optional; one a line: s3://bucket/prefix, ROLE=s3://… for
            one role, read s3://… for read only)
          </label>
          <textarea
            id="readiness-locations"
            rows={3}
            spellcheck={false}
            value={locations}
            onInput={(e) => setLocations(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          Check readiness
        </button>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      {report !== undefined && (
        <section aria-labelledby="report-h" class="report">
          <h2
            id="report-h"
            class={report.ready ? 'decision allow' : 'decision deny'}
            data-ready={String(report.ready)}
          >
            {report.ready
              ? `Ready: all ${calls.length} calls of ${targets} ${targets === 1 ? 'role' : 'roles'} allowed`
              : `Not ready: ${notOk(calls)} of ${calls.length} calls denied or undecidable`}
          </h2>
          {report.targets.map((t, i) => (
            <TargetReport key={t.name} t={t} index={i} />
          ))}
        </section>
      )}
    </section>
  );
}
