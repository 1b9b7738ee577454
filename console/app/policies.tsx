/** Managed policies: the list (customer managed, AWS managed), one policy with its versions, and a diff of two. */
import { useEffect, useState } from 'preact/hooks';
import { call, callAll, decodeDocument, text, type Json } from './api.ts';
import {
  ErrorBox,
  Field,
  HeadTable,
  PageTitle,
  PolicyDocument,
  Select,
  Show,
  Table,
  Tags,
} from './components.tsx';
import { asApiError, href, useLoad } from './hooks.ts';
import type { ApiError } from './api.ts';

const SCOPES = [
  ['Local', 'Customer managed'],
  ['AWS', 'AWS managed'],
  ['All', 'All'],
] as const;

export function PolicyList() {
  const [scope, setScope] = useState('Local');
  const [filter, setFilter] = useState('');
  const state = useLoad(() => callAll<Json>('ListPolicies', 'Policies', { Scope: scope }), [scope]);
  return (
    <section>
      <PageTitle>Policies</PageTitle>
      <div class="row">
        <Select id="policy-scope" label="Scope" value={scope} options={SCOPES} onChange={setScope} />
        <Field id="policy-filter" label="Filter policies by name" value={filter} onInput={setFilter} />
      </div>
      <Show state={state}>
        {(items) => (
          <Table
            label="Policies"
            head={['Name', 'Default version', 'Attachments', 'ARN']}
            rows={items
              .filter((p) => String(p.PolicyName).toLowerCase().includes(filter.toLowerCase()))
              .slice(0, 500)
              .map((p) => [
                <a href={href('policies', String(p.Arn))}>{String(p.PolicyName)}</a>,
                String(p.DefaultVersionId),
                text(p.AttachmentCount, '0'),
                <code>{String(p.Arn)}</code>,
              ])}
            empty="No policies."
          />
        )}
      </Show>
    </section>
  );
}

/** A statement's changes, as the server's DiffPolicyVersions returns them (`rolecall policy diff`). */
interface StatementDiff {
  status: 'added' | 'removed' | 'changed';
  sid?: string;
  from?: string;
  to?: string;
  changes: { change: 'added' | 'removed'; element: string; value: string }[];
}

/** One statement's changes: per element, the values removed and the values added. */
function StatementChanges({ d }: { d: StatementDiff }) {
  const name = d.sid !== undefined ? `Statement ${d.sid}` : `Statement at ${d.to ?? d.from ?? ''}`;
  return (
    <article class={`statement-diff ${d.status}`} data-sid={d.sid ?? ''} data-status={d.status}>
      <h3>
        {name} <span class={`badge ${d.status}`}>{d.status}</span>{' '}
        <small>{d.status === 'removed' ? d.from : d.to}</small>
      </h3>
      <HeadTable label={`Changes of ${name}`} class="diff" head={['Change', 'Element', 'Value']}>
        {d.changes.map((c, i) => (
          <tr key={i} class={c.change} data-element={c.element}>
            <td>{c.change}</td>
            <td>{c.element}</td>
            <td>
              <code>{c.value}</code>
            </td>
          </tr>
        ))}
      </HeadTable>
    </article>
  );
}

/** The semantic diff of two versions (what `rolecall policy diff` prints), not a diff of their text. */
function VersionDiff({ arn, versions }: { arn: string; versions: string[] }) {
  const [from, setFrom] = useState(versions[versions.length - 1] ?? '');
  const [to, setTo] = useState(versions[0] ?? '');
  const [diff, setDiff] = useState<{ statements: StatementDiff[]; text: string } | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  useEffect(() => {
    let live = true;
    setDiff(undefined);
    setError(undefined);
    if (from === '' || to === '') return;
    call<{ statements: StatementDiff[]; text: string }>('console', 'DiffPolicyVersions', {
      PolicyArn: arn,
      FromVersionId: from,
      ToVersionId: to,
    }).then(
      (d) => live && setDiff(d),
      (e: unknown) => live && setError(asApiError(e)),
    );
    return () => {
      live = false;
    };
  }, [arn, from, to]);
  const options = versions.map((v) => [v, v] as const);
  const count = (side: 'added' | 'removed') =>
    diff?.statements.reduce((n, d) => n + d.changes.filter((c) => c.change === side).length, 0) ?? 0;
  return (
    <section aria-labelledby="diff-h">
      <h2 id="diff-h">Compare versions</h2>
      <div class="row">
        <Select id="diff-from" label="From version" value={from} options={options} onChange={setFrom} />
        <Select id="diff-to" label="To version" value={to} options={options} onChange={setTo} />
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      {diff !== undefined && (
        <div class="policy-diff" aria-label={`Changes from ${from} to ${to}`} role="region">
          <p class="summary">
            {diff.statements.length === 0
              ? 'No change in permissions.'
              : `${diff.statements.length} ${diff.statements.length === 1 ? 'statement' : 'statements'} changed: ${count('added')} added, ${count('removed')} removed`}
          </p>
          {diff.statements.map((d, i) => (
            <StatementChanges key={i} d={d} />
          ))}
          <details>
            <summary>As rolecall policy diff prints it</summary>
            <pre tabIndex={0} aria-label={`policy diff ${from} ${to}`} class="diff">
              {diff.text}
            </pre>
          </details>
        </div>
      )}
    </section>
  );
}

export function PolicyDetail({ arn }: { arn: string }) {
  const state = useLoad(async () => {
    const [p, versions] = await Promise.all([
      call('iam', 'GetPolicy', { PolicyArn: arn }),
      callAll<Json>('ListPolicyVersions', 'Versions', { PolicyArn: arn }),
    ]);
    const policy = p.Policy as Json;
    const def = await call('iam', 'GetPolicyVersion', {
      PolicyArn: arn,
      VersionId: String(policy.DefaultVersionId),
    });
    return { policy, versions, document: decodeDocument((def.PolicyVersion as Json).Document) };
  }, [arn]);
  return (
    <section>
      <PageTitle>Policy {arn.split('/').pop()}</PageTitle>
      <Show state={state}>
        {({ policy, versions, document }) => (
          <>
            <dl class="facts">
              <dt>ARN</dt>
              <dd>
                <code>{arn}</code>
              </dd>
              <dt>Description</dt>
              <dd>{text(policy.Description, '—')}</dd>
              <dt>Attachments</dt>
              <dd>{text(policy.AttachmentCount, '0')}</dd>
            </dl>
            <Tags tags={(policy.Tags as Json[] | undefined) ?? []} />
            <h2>Versions</h2>
            <Table
              label="Versions"
              head={['Version', 'Default', 'Created']}
              rows={versions.map((v) => [
                String(v.VersionId),
                v.IsDefaultVersion === true ? 'default' : '',
                String(v.CreateDate),
              ])}
            />
            <PolicyDocument label={`Default version ${String(policy.DefaultVersionId)}`} text={document} />
            {versions.length > 1 && (
              <VersionDiff arn={arn} versions={versions.map((v) => String(v.VersionId))} />
            )}
          </>
        )}
      </Show>
    </section>
  );
}
