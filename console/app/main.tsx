/**
 * The rolecall web console: sign-in, then pages that read the store through calls the engine authorizes
 * as the signed-in principal. Hash routes (`#/roles/NAME`) keep every page a link that works with the
 * keyboard and the browser's history.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, sessionEvents, signIn, signOut, type SessionInfo } from './api.ts';
import { ErrorBox, Field, PageTitle } from './components.tsx';
import { PolicyEditor } from './editor.tsx';
import { Explainer } from './explain.tsx';
import { asApiError, href, useRoute } from './hooks.ts';
import { EntityList, GroupDetail, RoleDetail, TagsPage, TrustPolicies, UserDetail } from './identities.tsx';
import { Accounts, Organization, ResourceDetail, Resources } from './organization.tsx';
import { PolicyDetail, PolicyList } from './policies.tsx';
import { Readiness } from './readiness.tsx';
import type { ApiError } from './api.ts';

const NAV = [
  ['accounts', 'Accounts'],
  ['organization', 'Organization'],
  ['roles', 'Roles'],
  ['users', 'Users'],
  ['groups', 'Groups'],
  ['policies', 'Policies'],
  ['tags', 'Tags'],
  ['trust', 'Trust policies'],
  ['resources', 'Resources'],
  ['explain', 'Explain a decision'],
  ['readiness', 'EMR readiness'],
  ['editor', 'Policy editor'],
] as const;

function SignIn({ onSignedIn, ended }: { onSignedIn: (s: SessionInfo) => void; ended: boolean }) {
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await signIn(keyId.trim(), secret, token.trim());
      setSecret('');
      onSignedIn(s);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <PageTitle>Sign in to rolecall</PageTitle>
      {ended && (
        <p class="notice" role="status">
          Your session has ended. Sign in again.
        </p>
      )}
      <p>
        Use an access key of an IAM user in this store (the first start writes the administrator&apos;s to{' '}
        <code>.rolecall/credentials</code>). The console then acts as that user.
      </p>
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <Field
          id="access-key-id"
          label="Access key id"
          value={keyId}
          onInput={setKeyId}
          required
          autoComplete="username"
        />
        <Field
          id="secret-access-key"
          label="Secret access key"
          type="password"
          value={secret}
          onInput={setSecret}
          required
          autoComplete="current-password"
        />
        <Field
          id="session-token"
          label="Session token (temporary credentials only)"
          value={token}
          onInput={setToken}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
    </main>
  );
}

function Home({ session }: { session: SessionInfo }) {
  return (
    <section>
      <PageTitle>rolecall console</PageTitle>
      <p>
        Signed in as <code>{session.principal}</code> in account <code>{session.account}</code>. Every page
        shows what this principal may read, decided by the engine like any other call.
      </p>
      <ul class="home-links">
        {NAV.map(([id, label]) => (
          <li key={id}>
            <a href={href(id)}>{label}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Page({ session }: { session: SessionInfo }) {
  const { parts, query } = useRoute();
  const [section, id] = parts;
  switch (section) {
    case 'accounts':
      return <Accounts />;
    case 'organization':
      return <Organization />;
    case 'roles':
      return id !== undefined ? <RoleDetail key={id} name={id} /> : <EntityList key="role" kind="role" />;
    case 'users':
      return id !== undefined ? <UserDetail key={id} name={id} /> : <EntityList key="user" kind="user" />;
    case 'groups':
      return id !== undefined ? <GroupDetail key={id} name={id} /> : <EntityList key="group" kind="group" />;
    case 'policies':
      return id !== undefined ? <PolicyDetail key={id} arn={id} /> : <PolicyList />;
    case 'tags':
      return <TagsPage />;
    case 'trust':
      return <TrustPolicies />;
    case 'resources':
      return id !== undefined ? <ResourceDetail key={id} arn={id} /> : <Resources />;
    case 'explain':
      return <Explainer key={query.toString()} query={query} />;
    case 'readiness':
      return <Readiness key={query.toString()} query={query} />;
    case 'editor':
      return <PolicyEditor />;
    default:
      return <Home session={session} />;
  }
}

function Shell({ session, onSignedOut }: { session: SessionInfo; onSignedOut: () => void }) {
  const { parts } = useRoute();
  const current = parts[0] ?? '';
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header>
        <a href="#/" class="brand">
          rolecall
        </a>
        <span class="who">
          <code>{session.principal}</code> · session until {session.expiresAt.slice(11, 16)} UTC
        </span>
        <button
          type="button"
          onClick={() => {
            void signOut().finally(onSignedOut);
          }}
        >
          Sign out
        </button>
      </header>
      <div class="layout">
        <nav aria-label="Console">
          <ul>
            {NAV.map(([id, label]) => (
              <li key={id}>
                <a href={href(id)} aria-current={current === id ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1} key={parts.join('/')}>
          <Page session={session} />
        </main>
      </div>
    </>
  );
}

function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [ended, setEnded] = useState(false);
  useEffect(() => {
    currentSession().then(
      (s) => setSession(s ?? null),
      (e: unknown) => setError(asApiError(e)),
    );
    const ended = () => {
      setEnded(true);
      setSession(null);
    };
    sessionEvents.addEventListener('signed-out', ended);
    return () => sessionEvents.removeEventListener('signed-out', ended);
  }, []);
  if (error !== undefined) return <ErrorBox error={error} />;
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) {
    return (
      <SignIn
        ended={ended}
        onSignedIn={(s) => {
          setEnded(false);
          setSession(s);
        }}
      />
    );
  }
  return <Shell session={session} onSignedOut={() => setSession(null)} />;
}

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(<App />, root);
}
