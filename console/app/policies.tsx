/** Managed policies: the list (customer managed, AWS managed), one policy with its versions, and a diff of two. */
import { useEffect, useState } from 'preact/hooks';
import { call, callAll, decodeDocument, pretty, text, type Json } from './api.ts';
import {
  ErrorBox,
  Field,
  PageTitle,
  PolicyDocument,
  Select,
  Show,
  Table,
  Tags,
  lineDiff,
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

function VersionDiff({ arn, versions }: { arn: string; versions: string[] }) {
  const [from, setFrom] = useState(versions[versions.length - 1] ?? '');
  const [to, setTo] = useState(versions[0] ?? '');
  const [diff, setDiff] = useState<{ op: string; line: string }[] | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  useEffect(() => {
    let live = true;
    setDiff(undefined);
    setError(undefined);
    if (from === '' || to === '') return;
    Promise.all(
      [from, to].map((v) => call('iam', 'GetPolicyVersion', { PolicyArn: arn, VersionId: v })),
    ).then(
      ([a, b]) => {
        if (!live) return;
        const text = (r: Json | undefined) =>
          pretty(decodeDocument((r?.PolicyVersion as Json | undefined)?.Document));
        setDiff(lineDiff(text(a), text(b)));
      },
      (e: unknown) => live && setError(asApiError(e)),
    );
    return () => {
      live = false;
    };
  }, [arn, from, to]);
  const options = versions.map((v) => [v, v] as const);
  return (
    <section aria-labelledby="diff-h">
      <h2 id="diff-h">Compare versions</h2>
      <div class="row">
        <Select id="diff-from" label="From version" value={from} options={options} onChange={setFrom} />
        <Select id="diff-to" label="To version" value={to} options={options} onChange={setTo} />
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      {diff !== undefined && (
        <pre class="diff" tabIndex={0} aria-label={`Changes from ${from} to ${to}`}>
          {diff.map((d, i) => (
            <span key={i} class={d.op === '+' ? 'added' : d.op === '-' ? 'removed' : 'same'}>
              {`${d.op} ${d.line}\n`}
            </span>
          ))}
        </pre>
      )}
      {diff !== undefined && (
        <p class="summary">
          {diff.filter((d) => d.op === '+').length} lines added, {diff.filter((d) => d.op === '-').length}{' '}
          removed
        </p>
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
