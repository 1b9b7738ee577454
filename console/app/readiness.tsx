/** EMR readiness of a role: every call the service makes with it, OK or DENIED, why, and the fix to copy. */
import { useEffect, useState } from 'preact/hooks';
import { call, callAll, type Json } from './api.ts';
import { ErrorBox, Field, PageTitle, Select } from './components.tsx';
import { asApiError } from './hooks.ts';
import type { ApiError } from './api.ts';

const KINDS = [
  ['notebooks', 'EMR Notebooks service role'],
  ['studio', 'EMR Studio service role'],
  ['serverless', 'EMR Serverless job runtime role'],
] as const;

interface Report {
  role: string;
  kind: string;
  ready: boolean;
  results: {
    operation: string;
    principal: unknown;
    action: string;
    resource: string;
    decision: string;
    statement?: string;
    failedCondition?: { operator: string; key: string; values: string[]; seen?: string[] };
    fix?: unknown;
    fixText?: string;
    source: string;
  }[];
}

export function Readiness({ query }: { query: URLSearchParams }) {
  const [role, setRole] = useState(query.get('role') ?? '');
  const [kind, setKind] = useState(query.get('kind') ?? 'notebooks');
  const [environment, setEnvironment] = useState('region: us-east-1\n');
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

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setReport(
        await call<Report>('console', 'EmrReadiness', {
          RoleName: role.trim(),
          Kind: kind,
          Environment: environment,
        }),
      );
    } catch (err) {
      setReport(undefined);
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const denied = report?.results.filter((r) => r.decision !== 'Allow') ?? [];
  return (
    <section>
      <PageTitle>EMR readiness</PageTitle>
      <form onSubmit={(e) => void submit(e)} aria-label="Readiness check">
        <datalist id="role-options">
          {roles.map((r) => (
            <option value={r} key={r} />
          ))}
        </datalist>
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
            Environment (YAML or JSON: vpc, subnets, securityGroups, s3, key, secrets, …)
          </label>
          <textarea
            id="readiness-env"
            rows={8}
            spellcheck={false}
            value={environment}
            onInput={(e) => setEnvironment(e.currentTarget.value)}
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
              ? `Ready: all ${report.results.length} calls allowed`
              : `Not ready: ${denied.length} of ${report.results.length} calls denied`}
          </h2>
          <table aria-label="Calls the service makes" class="readiness">
            <thead>
              <tr>
                <th scope="col">Result</th>
                <th scope="col">Call</th>
                <th scope="col">Why</th>
                <th scope="col">Fix</th>
              </tr>
            </thead>
            <tbody>
              {report.results.map((r, i) => (
                <tr key={i} class={r.decision === 'Allow' ? 'ok' : 'denied'}>
                  <td>{r.decision === 'Allow' ? 'OK' : 'DENIED'}</td>
                  <td>
                    <code>{r.action}</code> on <code>{r.resource}</code>
                    <br />
                    <small>
                      {r.operation} · <a href={r.source}>source</a>
                    </small>
                  </td>
                  <td>
                    {r.decision === 'Allow'
                      ? ''
                      : r.statement !== undefined
                        ? `nearest statement ${r.statement}`
                        : 'no statement allows it'}
                    {r.failedCondition !== undefined && (
                      <div class="failing">
                        <code>{r.failedCondition.operator}</code> <code>{r.failedCondition.key}</code> wants{' '}
                        {r.failedCondition.values.join(', ')}, request had{' '}
                        {r.failedCondition.seen === undefined
                          ? 'no value'
                          : r.failedCondition.seen.join(', ')}
                      </div>
                    )}
                  </td>
                  <td>
                    {r.fixText !== undefined && (
                      <>
                        <p>{r.fixText}</p>
                        <pre tabIndex={0} aria-label={`Fix for ${r.action}`} class="fix">
                          {JSON.stringify(r.fix, null, 2)}
                        </pre>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}
