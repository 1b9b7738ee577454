/** Roles, users and groups: lists and details (policies, attachments, tags, trust), and the trust and tags pages. */
import { useState } from 'preact/hooks';
import { call, callAll, decodeDocument, text, type Json } from './api.ts';
import { Field, PageTitle, PolicyDocument, Show, Table, Tags } from './components.tsx';
import { href, useLoad } from './hooks.ts';

type Kind = 'role' | 'user' | 'group';
const WORD: Record<Kind, string> = { role: 'Role', user: 'User', group: 'Group' };
const PLURAL: Record<Kind, string> = { role: 'roles', user: 'users', group: 'groups' };

export function EntityList({ kind }: { kind: Kind }) {
  const state = useLoad(() => callAll<Json>(`List${WORD[kind]}s`, `${WORD[kind]}s`), [kind]);
  const [filter, setFilter] = useState('');
  return (
    <section>
      <PageTitle>{WORD[kind]}s</PageTitle>
      <Field
        id={`${kind}-filter`}
        label={`Filter ${PLURAL[kind]} by name`}
        value={filter}
        onInput={setFilter}
      />
      <Show state={state}>
        {(items) => (
          <Table
            label={`${WORD[kind]}s`}
            head={['Name', 'Path', 'ARN', 'Created']}
            rows={items
              .filter((i) => String(i[`${WORD[kind]}Name`]).toLowerCase().includes(filter.toLowerCase()))
              .map((i) => [
                <a href={href(PLURAL[kind], String(i[`${WORD[kind]}Name`]))}>
                  {String(i[`${WORD[kind]}Name`])}
                </a>,
                String(i.Path),
                <code>{String(i.Arn)}</code>,
                String(i.CreateDate),
              ])}
            empty={`No ${PLURAL[kind]}.`}
          />
        )}
      </Show>
    </section>
  );
}

interface InlineDoc {
  name: string;
  document: string;
}

async function inlinePolicies(kind: Kind, name: string): Promise<InlineDoc[]> {
  const param = `${WORD[kind]}Name`;
  const names = await callAll<string>(`List${WORD[kind]}Policies`, 'PolicyNames', { [param]: name });
  const out: InlineDoc[] = [];
  for (const policyName of names) {
    const p = await call('iam', `Get${WORD[kind]}Policy`, { [param]: name, PolicyName: policyName });
    out.push({ name: policyName, document: decodeDocument(p.PolicyDocument) });
  }
  return out;
}

function Attached({ kind, name }: { kind: Kind; name: string }) {
  const state = useLoad(
    () =>
      callAll<Json>(`ListAttached${WORD[kind]}Policies`, 'AttachedPolicies', { [`${WORD[kind]}Name`]: name }),
    [kind, name],
  );
  return (
    <section aria-labelledby="attached-h">
      <h2 id="attached-h">Attached managed policies</h2>
      <Show state={state}>
        {(items) => (
          <Table
            label="Attached managed policies"
            head={['Policy', 'ARN']}
            rows={items.map((p) => [
              <a href={href('policies', String(p.PolicyArn))}>{String(p.PolicyName)}</a>,
              <code>{String(p.PolicyArn)}</code>,
            ])}
            empty="No attached policies."
          />
        )}
      </Show>
    </section>
  );
}

function Inline({ kind, name }: { kind: Kind; name: string }) {
  const state = useLoad(() => inlinePolicies(kind, name), [kind, name]);
  return (
    <section aria-labelledby="inline-h">
      <h2 id="inline-h">Inline policies</h2>
      <Show state={state}>
        {(items) =>
          items.length === 0 ? (
            <p class="empty">No inline policies.</p>
          ) : (
            items.map((p) => (
              <PolicyDocument key={p.name} label={`Inline policy ${p.name}`} text={p.document} />
            ))
          )
        }
      </Show>
    </section>
  );
}

export function RoleDetail({ name }: { name: string }) {
  const state = useLoad(() => call('iam', 'GetRole', { RoleName: name }), [name]);
  return (
    <section>
      <PageTitle>Role {name}</PageTitle>
      <Show state={state}>
        {(r) => {
          const role = r.Role as Json;
          const boundary = (role.PermissionsBoundary as Json | undefined)?.PermissionsBoundaryArn;
          return (
            <>
              <dl class="facts">
                <dt>ARN</dt>
                <dd>
                  <code>{String(role.Arn)}</code>
                </dd>
                <dt>Role id</dt>
                <dd>
                  <code>{String(role.RoleId)}</code>
                </dd>
                <dt>Description</dt>
                <dd>{text(role.Description, '—')}</dd>
                <dt>Maximum session</dt>
                <dd>{String(role.MaxSessionDuration)} s</dd>
                <dt>Permissions boundary</dt>
                <dd>
                  {boundary !== undefined ? (
                    <a href={href('policies', text(boundary))}>{text(boundary)}</a>
                  ) : (
                    'none'
                  )}
                </dd>
              </dl>
              <p class="actions">
                <a href={`${href('explain')}?principal=${encodeURIComponent(String(role.Arn))}`}>
                  Explain a request by this role
                </a>
                {' · '}
                <a href={`${href('readiness')}?role=${encodeURIComponent(name)}`}>
                  EMR readiness of this role
                </a>
              </p>
              <h2>Tags</h2>
              <Tags tags={(role.Tags as Json[] | undefined) ?? []} />
              <h2>Trust policy</h2>
              <PolicyDocument
                label={`Trust policy of ${name}`}
                text={decodeDocument(role.AssumeRolePolicyDocument)}
              />
            </>
          );
        }}
      </Show>
      <Inline kind="role" name={name} />
      <Attached kind="role" name={name} />
    </section>
  );
}

export function UserDetail({ name }: { name: string }) {
  const state = useLoad(async () => {
    const [user, groups, keys] = await Promise.all([
      call('iam', 'GetUser', { UserName: name }),
      callAll<Json>('ListGroupsForUser', 'Groups', { UserName: name }).catch((e: unknown) => e as Error),
      callAll<Json>('ListAccessKeys', 'AccessKeyMetadata', { UserName: name }).catch(
        (e: unknown) => e as Error,
      ),
    ]);
    return { user: user.User as Json, groups, keys };
  }, [name]);
  return (
    <section>
      <PageTitle>User {name}</PageTitle>
      <Show state={state}>
        {({ user, groups, keys }) => (
          <>
            <dl class="facts">
              <dt>ARN</dt>
              <dd>
                <code>{String(user.Arn)}</code>
              </dd>
              <dt>User id</dt>
              <dd>
                <code>{String(user.UserId)}</code>
              </dd>
            </dl>
            <p class="actions">
              <a href={`${href('explain')}?principal=${encodeURIComponent(String(user.Arn))}`}>
                Explain a request by this user
              </a>
            </p>
            <h2>Tags</h2>
            <Tags tags={(user.Tags as Json[] | undefined) ?? []} />
            <h2>Groups</h2>
            {groups instanceof Error ? (
              <p class="error" role="alert">
                {groups.message}
              </p>
            ) : (
              <Table
                label="Groups of the user"
                head={['Group']}
                rows={groups.map((g) => [
                  <a href={href('groups', String(g.GroupName))}>{String(g.GroupName)}</a>,
                ])}
                empty="In no group."
              />
            )}
            <h2>Access keys</h2>
            {keys instanceof Error ? (
              <p class="error" role="alert">
                {keys.message}
              </p>
            ) : (
              <Table
                label="Access keys"
                head={['Access key id', 'Status', 'Created']}
                rows={keys.map((k) => [
                  <code>{String(k.AccessKeyId)}</code>,
                  String(k.Status),
                  String(k.CreateDate),
                ])}
                empty="No access keys."
              />
            )}
          </>
        )}
      </Show>
      <Inline kind="user" name={name} />
      <Attached kind="user" name={name} />
    </section>
  );
}

export function GroupDetail({ name }: { name: string }) {
  const state = useLoad(() => call('iam', 'GetGroup', { GroupName: name }), [name]);
  return (
    <section>
      <PageTitle>Group {name}</PageTitle>
      <Show state={state}>
        {(g) => (
          <>
            <dl class="facts">
              <dt>ARN</dt>
              <dd>
                <code>{String((g.Group as Json).Arn)}</code>
              </dd>
            </dl>
            <h2>Members</h2>
            <Table
              label="Members"
              head={['User']}
              rows={((g.Users as Json[] | undefined) ?? []).map((u) => [
                <a href={href('users', String(u.UserName))}>{String(u.UserName)}</a>,
              ])}
              empty="No members."
            />
          </>
        )}
      </Show>
      <Inline kind="group" name={name} />
      <Attached kind="group" name={name} />
    </section>
  );
}

/** Every role's trust policy: who may assume it. */
export function TrustPolicies() {
  const state = useLoad(() => callAll<Json>('ListRoles', 'Roles'), []);
  return (
    <section>
      <PageTitle>Trust policies</PageTitle>
      <Show state={state}>
        {(roles) =>
          roles.length === 0 ? (
            <p class="empty">No roles.</p>
          ) : (
            roles.map((r) => (
              <article key={String(r.RoleName)}>
                <h2>
                  <a href={href('roles', String(r.RoleName))}>{String(r.RoleName)}</a>
                </h2>
                <PolicyDocument
                  label={`Trust policy of ${String(r.RoleName)}`}
                  text={decodeDocument(r.AssumeRolePolicyDocument)}
                />
              </article>
            ))
          )
        }
      </Show>
    </section>
  );
}

interface TagRow {
  kind: string;
  name: string;
  link: string;
  key: string;
  value: string;
}

/** Tags of every role, user, customer managed policy and registered resource the caller may list. */
export function TagsPage() {
  const [filter, setFilter] = useState('');
  const state = useLoad(async () => {
    const rows: TagRow[] = [];
    const errors: string[] = [];
    const collect = async (
      kind: string,
      list: () => Promise<{ name: string; link: string; tags: Json[] }[]>,
    ) => {
      try {
        for (const e of await list())
          for (const t of e.tags)
            rows.push({ kind, name: e.name, link: e.link, key: String(t.Key), value: String(t.Value) });
      } catch (e) {
        errors.push(`${kind}: ${(e as Error).message}`);
      }
    };
    const tagsOf = (kind: 'Role' | 'User', names: string[]) =>
      Promise.all(
        names.map(async (n) => ({
          name: n,
          link: href(`${kind.toLowerCase()}s`, n),
          tags: await callAll<Json>(`List${kind}Tags`, 'Tags', { [`${kind}Name`]: n }),
        })),
      );
    await collect('role', async () =>
      tagsOf(
        'Role',
        (await callAll<Json>('ListRoles', 'Roles')).map((r) => String(r.RoleName)),
      ),
    );
    await collect('user', async () =>
      tagsOf(
        'User',
        (await callAll<Json>('ListUsers', 'Users')).map((r) => String(r.UserName)),
      ),
    );
    await collect('policy', async () =>
      Promise.all(
        (await callAll<Json>('ListPolicies', 'Policies', { Scope: 'Local' })).map(async (p) => ({
          name: String(p.PolicyName),
          link: href('policies', String(p.Arn)),
          tags: await callAll<Json>('ListPolicyTags', 'Tags', { PolicyArn: String(p.Arn) }),
        })),
      ),
    );
    return { rows, errors };
  }, []);
  return (
    <section>
      <PageTitle>Tags</PageTitle>
      <Field id="tag-filter" label="Filter by tag key or value" value={filter} onInput={setFilter} />
      <Show state={state}>
        {({ rows, errors }) => (
          <>
            {errors.map((e) => (
              <p class="error denied" role="alert" key={e}>
                {e}
              </p>
            ))}
            <Table
              label="Tags"
              head={['Kind', 'Name', 'Key', 'Value']}
              rows={rows
                .filter((r) => `${r.key}=${r.value}`.toLowerCase().includes(filter.toLowerCase()))
                .map((r) => [
                  r.kind,
                  <a href={r.link}>{r.name}</a>,
                  <code>{r.key}</code>,
                  <code>{r.value}</code>,
                ])}
              empty="No tags."
            />
          </>
        )}
      </Show>
    </section>
  );
}
