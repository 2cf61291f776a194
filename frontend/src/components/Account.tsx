import { useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent, type ReactNode } from 'react';
import type { AuthConfig, AuthService, AuthState, AuthUser } from '../services/auth';
import { ApiError } from '../services/http';
import { t } from '../strings';

const OFF: AuthState = { status: 'off' };
const noSubscription = () => () => undefined;

/** The auth state, live; `off` when there is no auth service (auth is off). */
export function useAuthState(auth: AuthService | undefined): AuthState {
  return useSyncExternalStore(
    auth ? (onChange) => auth.subscribe(onChange) : noSubscription,
    () => (auth ? auth.getState() : OFF),
  );
}

/** What to show for a failed sign-in or sign-up: the server's `{code, message}`, or why it failed. */
function problemText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'rate_limited') return `${error.message} Wait a minute, then try again.`;
    return error.message;
  }
  return error instanceof Error ? error.message : t.errors.generic;
}

interface AccountFormProps {
  auth: AuthService;
  config: AuthConfig;
  /** Shown above the form, e.g. "You signed out." or why the session ended. */
  notice: string | null;
}

/** Sign in with a username and password (CALLEDIT_AUTH=local). */
export function SignIn({ auth, config, notice }: AccountFormProps) {
  return (
    <PasswordForm
      kind="signin"
      notice={notice}
      submit={(username, password) => auth.signIn(username, password)}
      footer={
        config.signup === false ? (
          <p className="hint">Accounts on this server are created by its operator (calledit user add).</p>
        ) : (
          <p>
            {t.auth.newHere} <a href="#/signup">{t.auth.signUp}</a>
          </p>
        )
      }
    />
  );
}

/** Create an account (CALLEDIT_AUTH=local, unless the operator closed sign-up). */
export function SignUp({ auth, config, notice }: AccountFormProps) {
  if (config.signup === false) {
    return (
      <section className="card account" aria-labelledby="account-heading">
        <h2 id="account-heading" tabIndex={-1} data-view-heading>
          Create an account
        </h2>
        <p>{t.auth.signupClosed}</p>
        <p>
          <a href="#/signin">{t.auth.signIn}</a>
        </p>
      </section>
    );
  }
  return (
    <PasswordForm
      kind="signup"
      notice={notice}
      submit={(username, password) => auth.signUp(username, password)}
      footer={
        <p>
          {t.auth.haveAccount} <a href="#/signin">{t.auth.signIn}</a>
        </p>
      }
    />
  );
}

function PasswordForm({
  kind,
  notice,
  submit,
  footer,
}: {
  kind: 'signin' | 'signup';
  notice: string | null;
  submit: (username: string, password: string) => Promise<void>;
  footer: ReactNode;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const usernameId = useId();
  const passwordId = useId();
  const passwordHintId = useId();
  const errorId = useId();
  const usernameRef = useRef<HTMLInputElement>(null);
  const signup = kind === 'signup';
  const title = signup ? t.auth.signUp : t.auth.signIn;

  useEffect(() => {
    if (problem) usernameRef.current?.focus();
  }, [problem]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      await submit(username.trim(), password);
      // Signed in: the app replaces this page.
    } catch (error) {
      setProblem(problemText(error));
      setBusy(false);
    }
  };

  return (
    <section className="card account" aria-labelledby="account-heading">
      <h2 id="account-heading" tabIndex={-1} data-view-heading>
        {title}
      </h2>
      <div role="status">{notice && !problem && <p className="notice notice-info">{notice}</p>}</div>
      <form onSubmit={(event) => void onSubmit(event)} aria-label={title}>
        <div className="form-group">
          <label htmlFor={usernameId}>{t.auth.username}</label>
          <input
            id={usernameId}
            ref={usernameRef}
            className="form-control form-input"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            maxLength={64}
            value={username}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? errorId : undefined}
            onChange={(event) => setUsername(event.target.value)}
          />
        </div>
        <div className="form-group">
          <label htmlFor={passwordId}>{t.auth.password}</label>
          <input
            id={passwordId}
            className="form-control form-input"
            type="password"
            name="password"
            autoComplete={signup ? 'new-password' : 'current-password'}
            required
            minLength={signup ? 8 : undefined}
            maxLength={256}
            value={password}
            aria-invalid={problem ? true : undefined}
            aria-describedby={[signup ? passwordHintId : '', problem ? errorId : ''].filter(Boolean).join(' ') || undefined}
            onChange={(event) => setPassword(event.target.value)}
          />
          {signup && (
            <p id={passwordHintId} className="hint">
              At least 8 characters.
            </p>
          )}
        </div>
        {problem && (
          <p id={errorId} className="notice notice-error" role="alert">
            {problem}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? (signup ? t.auth.creating : t.auth.signingIn) : title}
          </button>
        </div>
      </form>
      {footer}
    </section>
  );
}

/**
 * CALLEDIT_AUTH=oidc: accounts live at the identity provider. This UI does not run the provider's
 * sign-in flow; it says which provider is configured and accepts an access token from it.
 */
export function OidcSignIn({ auth, config, notice }: AccountFormProps) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const tokenId = useId();
  const hintId = useId();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || !token.trim()) return;
    setBusy(true);
    setProblem(null);
    try {
      await auth.signInWithToken(token);
    } catch (error) {
      setProblem(problemText(error));
      setBusy(false);
    }
  };

  return (
    <section className="card account" aria-labelledby="account-heading">
      <h2 id="account-heading" tabIndex={-1} data-view-heading>
        Sign in
      </h2>
      <div role="status">{notice && !problem && <p className="notice notice-info">{notice}</p>}</div>
      <p>
        This server signs people in with an identity provider
        {config.issuer ? (
          <>
            : <code className="break">{config.issuer}</code>
          </>
        ) : null}
        {config.audience ? (
          <>
            {' '}
            (app client <code className="break">{config.audience}</code>)
          </>
        ) : null}
        .
      </p>
      <p>
        This page does not open the provider's sign-in for you. Sign in there, copy your access token, and
        paste it below. It is kept in this tab's memory only: reloading the page or the token expiring signs
        you out.
      </p>
      <form onSubmit={(event) => void onSubmit(event)} aria-label={t.auth.withToken}>
        <div className="form-group">
          <label htmlFor={tokenId}>{t.auth.accessToken}</label>
          <textarea
            id={tokenId}
            className="form-control token-input"
            rows={3}
            spellCheck={false}
            autoComplete="off"
            value={token}
            aria-describedby={hintId}
            aria-invalid={problem ? true : undefined}
            onChange={(event) => setToken(event.target.value)}
          />
          <p id={hintId} className="hint">
            A JWT issued by the provider above for this app.
          </p>
        </div>
        {problem && (
          <p className="notice notice-error" role="alert">
            {problem}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !token.trim()}>
            {busy ? t.auth.checking : t.auth.useToken}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Header: who is signed in, and sign out. */
export function AccountMenu({ auth, user }: { auth: AuthService; user: AuthUser }) {
  const [busy, setBusy] = useState(false);
  return (
    <div className="account-menu">
      <span>
        <span className="account-prefix">{t.account.signedInAs} </span>
        <strong className="account-name" title={user.username ?? user.id}>
          {user.username ?? user.id}
        </strong>
      </span>
      <button
        type="button"
        className="btn btn-link"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void auth.signOut().finally(() => setBusy(false));
        }}
      >
        {busy ? t.account.signingOut : t.account.signOut}
      </button>
    </div>
  );
}
