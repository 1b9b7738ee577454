/** Accounts, the organization tree with the SCPs and RCPs attached at each node, and registered resources. */
import type { ComponentChildren } from 'preact';
import { RESOURCE_TYPES, type ResourceType } from '../../src/iam/types.ts';
import { call, text, type Json } from './api.ts';
import { ErrorBox, PageTitle, PolicyDocument, Show, Table, Tags } from './components.tsx';
import { href, useLoad } from './hooks.ts';

export function Accounts() {
  const state = useLoad(() => call<{ accounts: Json[] }>('console', 'ListAccounts'), []);
  return (
    <section>
      <PageTitle>Accounts</PageTitle>
      <Show state={state}>
        {({ accounts }) => (
          <Table
            label="Accounts"
            head={['Account', 'Name', 'Organization parent', 'Tags']}
            rows={accounts.map((a) => [
              <code>{String(a.id)}</code>,
              String(a.name),
              text(a.parentId, '—'),
              <Tags tags={(a.tags as Json[] | undefined) ?? []} />,
            ])}
            empty="No accounts."
          />
        )}
      </Show>
    </section>
  );
}

interface OrgPolicy {
  id: string;
  name: string;
  type: 'scp' | 'rcp';
  document: string;
  targets: string[];
}

interface Tree {
  organization: { id: string; rootId: string; managementAccountId: string } | null;
  units?: { id: string; name: string; parentId: string }[];
  accounts?: { id: string; name: string; parentId: string }[];
  policies?: OrgPolicy[];
}

function Attached({ id, policies }: { id: string; policies: OrgPolicy[] }) {
  const here = policies.filter((p) => p.targets.includes(id));
  if (here.length === 0) return null;
  return (
    <ul class="org-policies" aria-label={`Policies attached to ${id}`}>
      {here.map((p) => (
        <li key={p.id}>
          <span class={`badge ${p.type}`}>{p.type.toUpperCase()}</span>{' '}
          <a href={`#org-policy-${p.id}`}>{p.name}</a>
        </li>
      ))}
    </ul>
  );
}

export function Organization() {
  const state = useLoad(() => call<Tree>('console', 'DescribeOrganizationTree'), []);
  return (
    <section>
      <PageTitle>Organization</PageTitle>
      <Show state={state}>
        {(tree) => {
          const org = tree.organization;
          if (org === null) return <p class="empty">No organization.</p>;
          const units = tree.units ?? [];
          const accounts = tree.accounts ?? [];
          const policies = tree.policies ?? [];
          const node = (id: string, label: ComponentChildren): ComponentChildren => (
            <li key={id}>
              <span class="node">{label}</span>
              <Attached id={id} policies={policies} />
              {(units.some((u) => u.parentId === id) || accounts.some((a) => a.parentId === id)) && (
                <ul>
                  {units
                    .filter((u) => u.parentId === id)
                    .map((u) =>
                      node(
                        u.id,
                        <>
                          OU {u.name} <code>{u.id}</code>
                        </>,
                      ),
                    )}
                  {accounts
                    .filter((a) => a.parentId === id)
                    .map((a) =>
                      node(
                        a.id,
                        <>
                          Account {a.name} <code>{a.id}</code>
                        </>,
                      ),
                    )}
                </ul>
              )}
            </li>
          );
          return (
            <>
              <p>
                Organization <code>{org.id}</code>, management account <code>{org.managementAccountId}</code>
              </p>
              <ul class="tree" aria-label="Organization tree">
                {node(
                  org.rootId,
                  <>
                    Root <code>{org.rootId}</code>
                  </>,
                )}
              </ul>
              <h2>Policies</h2>
              {policies.map((p) => (
                <div id={`org-policy-${p.id}`} key={p.id}>
                  <PolicyDocument label={`${p.type.toUpperCase()} ${p.name} (${p.id})`} text={p.document} />
                </div>
              ))}
            </>
          );
        }}
      </Show>
    </section>
  );
}

const RESOURCE_TITLES = {
  's3-bucket': 'S3 buckets',
  'kms-key': 'KMS keys',
  secret: 'Secrets',
  vpc: 'VPCs',
  subnet: 'Subnets',
  'security-group': 'Security groups',
  'emr-cluster': 'EMR clusters',
  other: 'Other resources',
} as const satisfies Record<ResourceType, string>;
const TYPES = RESOURCE_TYPES.map((t) => [t, RESOURCE_TITLES[t]] as const);

export function Resources() {
  const state = useLoad(
    () =>
      Promise.all(
        TYPES.map(([type]) =>
          call<{ resources: Json[] }>('console', 'ListResources', { Type: type }).then(
            (r) => ({ resources: r.resources }),
            (e: unknown) => ({ error: e as Error & { code: string } }),
          ),
        ),
      ),
    [],
  );
  return (
    <section>
      <PageTitle>Resources</PageTitle>
      <Show state={state}>
        {(lists) => (
          <>
            {TYPES.map(([type, title], i) => {
              const l = lists[i];
              return (
                <section key={type} aria-labelledby={`res-${type}`}>
                  <h2 id={`res-${type}`}>{title}</h2>
                  {l === undefined ? null : 'error' in l ? (
                    <ErrorBox error={l.error as never} />
                  ) : (
                    <Table
                      label={title}
                      head={['ARN', 'Account', 'Policy', 'Tags']}
                      rows={l.resources.map((r) => [
                        <a href={href('resources', String(r.arn))}>{String(r.arn)}</a>,
                        String(r.account),
                        r.policy !== undefined ? 'yes' : '—',
                        <Tags tags={(r.tags as Json[] | undefined) ?? []} />,
                      ])}
                      empty={`No ${title.toLowerCase()}.`}
                    />
                  )}
                </section>
              );
            })}
          </>
        )}
      </Show>
    </section>
  );
}

export function ResourceDetail({ arn }: { arn: string }) {
  const state = useLoad(() => call<{ resource: Json }>('console', 'GetResource', { Arn: arn }), [arn]);
  return (
    <section>
      <PageTitle>Resource</PageTitle>
      <Show state={state}>
        {({ resource: r }) => (
          <>
            <dl class="facts">
              <dt>ARN</dt>
              <dd>
                <code>{String(r.arn)}</code>
              </dd>
              <dt>Type</dt>
              <dd>{String(r.type)}</dd>
              <dt>Account</dt>
              <dd>{String(r.account)}</dd>
              {Object.entries((r.attributes as Record<string, string> | undefined) ?? {}).map(([k, v]) => (
                <>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </>
              ))}
            </dl>
            <p class="actions">
              <a href={`${href('explain')}?resource=${encodeURIComponent(String(r.arn))}`}>
                Explain a request on this resource
              </a>
            </p>
            <h2>Tags</h2>
            <Tags tags={(r.tags as Json[] | undefined) ?? []} />
            <h2>Resource-based policy</h2>
            {typeof r.policy === 'string' ? (
              <PolicyDocument label={`Policy of ${String(r.arn)}`} text={r.policy} />
            ) : (
              <p class="empty">No resource-based policy.</p>
            )}
          </>
        )}
      </Show>
    </section>
  );
}
