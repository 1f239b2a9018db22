import type { Status } from '../../core/api/contract';
import { CopyButton } from '../components/CopyButton';
import { useFocusWhen, useNow } from '../components/hooks';
import { LockIcon, Spinner, WarningIcon } from '../components/icons';
import { Problem } from '../components/Problem';
import { planLabel } from '../lib/plan';
import { formatAgo, formatRefreshesIn } from '../lib/time';
import { useKb } from '../store';
import { CodexSection } from './CodexSection';
import { ModelsSection } from './ModelsSection';
import { ToolsSection } from './ToolsSection';
import { UsageSection } from './UsageSection';

/** signedIn and refreshing: the account, the token's health, where it is stored, and sign-out. */
export function SignedInView({ status }: { status: Status }) {
  const now = useNow(30_000);
  const account = status.account;
  const email = account?.email ?? null;
  const plan = planLabel(account?.planType);
  const refreshing = status.state === 'refreshing';
  const refreshesIn = formatRefreshesIn(status.expiresAt, now);
  const lastRefresh = formatAgo(status.lastRefreshAt, now);

  return (
    <section className="view" aria-labelledby="view-title">
      <div className="account">
        <span className="avatar" aria-hidden="true">
          {(email ?? '?').charAt(0).toUpperCase()}
        </span>
        <div className="account-text">
          <h1 id="view-title" className="email" tabIndex={-1}>
            {email ?? 'Signed in'}
          </h1>
          <div className="account-sub">
            {plan && (
              <span className="badge" aria-label={`Plan: ${plan}`}>
                {plan}
              </span>
            )}
            <span className="account-kind">ChatGPT account</span>
          </div>
        </div>
      </div>

      <dl className="facts">
        {account?.accountId && (
          <div className="fact">
            <dt>Account ID</dt>
            <dd className="fact-value-row">
              <code className="mono truncate" title={account.accountId}>
                {account.accountId}
              </code>
              <CopyButton text={account.accountId} label="Copy account ID" />
            </dd>
          </div>
        )}
        <div className="fact">
          <dt>Token</dt>
          <dd>
            {refreshing ? (
              <span className="inline">
                <Spinner small /> Refreshing…
              </span>
            ) : (
              <span className="health">{refreshesIn ? capitalise(refreshesIn) : 'Healthy'}</span>
            )}
          </dd>
        </div>
        {lastRefresh && (
          <div className="fact">
            <dt>Last refresh</dt>
            <dd>
              <time dateTime={status.lastRefreshAt}>{capitalise(lastRefresh)}</time>
            </dd>
          </div>
        )}
        {status.selectedModel && (
          <div className="fact">
            <dt>Default model</dt>
            <dd className="mono">{status.selectedModel}</dd>
          </div>
        )}
        <div className="fact">
          <dt>Storage</dt>
          <dd className={status.storage.protected ? 'storage' : 'storage storage-weak'}>
            {status.storage.protected ? <LockIcon /> : <WarningIcon />}
            <span>{status.storage.description}</span>
          </dd>
        </div>
      </dl>

      <UsageSection status={status} />
      <ModelsSection status={status} />
      <ToolsSection />
      <CodexSection />

      {status.lastError && <Problem error={status.lastError} />}
      <SignOut email={email} />
    </section>
  );
}

function SignOut({ email }: { email: string | null }) {
  const confirm = useKb((s) => s.confirmSignOut);
  const ask = useKb((s) => s.askSignOut);
  const cancel = useKb((s) => s.cancelSignOut);
  const signOut = useKb((s) => s.signOut);
  const pending = useKb((s) => s.pending);
  const error = useKb((s) => s.error);
  const connected = useKb((s) => s.connection === 'open');
  const cancelRef = useFocusWhen<HTMLButtonElement>(confirm);
  const busy = pending !== null || !connected;

  if (!confirm) {
    return (
      <div className="actions">
        {error && <Problem error={error} urgent />}
        <button type="button" className="btn btn-secondary btn-block" onClick={ask} disabled={busy}>
          Sign out
        </button>
      </div>
    );
  }
  return (
    <div className="confirm" role="group" aria-labelledby="confirm-text">
      <p id="confirm-text" className="confirm-text">
        Sign out of {email ?? 'this account'}? Connected tools lose access.
      </p>
      {error && <Problem error={error} urgent />}
      <div className="actions-row">
        <button type="button" className="btn btn-danger" onClick={() => void signOut()} disabled={busy}>
          {pending === 'signOut' ? 'Signing out…' : 'Sign out'}
        </button>
        <button ref={cancelRef} type="button" className="btn btn-secondary" onClick={cancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
