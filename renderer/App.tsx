import { useEffect, useRef } from 'react';
import type { Status } from '../core/api/contract';
import { Logo, Spinner } from './components/icons';
import { announce, assertNever, statePill } from './lib/announce';
import { useKb } from './store';
import { AccountSwitcher } from './views/AccountSwitcher';
import { ApprovalPrompt } from './views/ApprovalPrompt';
import { ErrorView } from './views/ErrorView';
import { ExpiredView } from './views/ExpiredView';
import { Notices } from './views/Notices';
import { SignedInView } from './views/SignedInView';
import { SignedOutView } from './views/SignedOutView';
import { SigningInView } from './views/SigningInView';

export function App() {
  const status = useKb((s) => s.status);
  const connection = useKb((s) => s.connection);
  const offline = connection === 'reconnecting' || (connection === 'connecting' && status !== null);

  return (
    <div className="page">
      <main className="card" aria-busy={status === null}>
        <Header status={status} offline={offline} />
        {offline && <ReconnectingBanner />}
        <Notices />
        <div className={offline ? 'content content-stale' : 'content'}>
          {connection === 'unauthorized' ? (
            <LinkExpired />
          ) : status ? (
            <>
              <ApprovalPrompt />
              <StatusView status={status} />
            </>
          ) : (
            <Connecting />
          )}
        </div>
        <p id="announcer" className="sr-only" aria-live="polite" aria-atomic="true">
          {announce(status, connection)}
        </p>
      </main>
    </div>
  );
}

/** One view per session state; the `never` check makes a new state a compile error until it has a view. */
function StatusView({ status }: { status: Status }) {
  const state = status.state;
  useFocusHeadingOnChange(state);
  switch (state) {
    case 'signedOut':
      return <SignedOutView status={status} />;
    case 'signingIn':
      return <SigningInView status={status} />;
    case 'signedIn':
    case 'refreshing':
      return <SignedInView status={status} />;
    case 'expired':
      return <ExpiredView status={status} />;
    case 'error':
      return <ErrorView status={status} />;
    default:
      return assertNever(state);
  }
}

/** When the state changes under the user (sign-in finished in the browser), move focus to the new view's heading. */
function useFocusHeadingOnChange(state: Status['state']) {
  const previous = useRef(state);
  useEffect(() => {
    if (previous.current === state) return;
    previous.current = state;
    const active = document.activeElement;
    // Only when focus was lost with the old view (or sits on the page), never away from a field in use.
    if (!active || active === document.body) document.getElementById('view-title')?.focus();
  }, [state]);
}

function Header({ status, offline }: { status: Status | null; offline: boolean }) {
  // The last status is stale while the host is unreachable: do not claim "Connected" over it.
  const pill = offline ? { label: 'Reconnecting', tone: 'busy' } : statePill(status);
  const list = useKb((s) => s.accountList);
  // With an account in the vault the header holds the account switcher, on its own row below the brand.
  const switcher = status !== null && list !== null && list.accounts.length > 0;
  return (
    <header className={switcher ? 'header header-switcher' : 'header'}>
      <Logo />
      <span className="brand">Keybridge</span>
      {pill && (
        <span className={`pill pill-${pill.tone}`}>
          <span className="dot" aria-hidden="true" />
          {pill.label}
        </span>
      )}
      {switcher && <AccountSwitcher list={list} />}
    </header>
  );
}

function ReconnectingBanner() {
  return (
    <div className="banner" role="status">
      <Spinner small />
      <span>Reconnecting to Keybridge…</span>
    </div>
  );
}

function Connecting() {
  return (
    <section className="view view-center" aria-label="Connecting">
      <Spinner />
      <p className="lede">Connecting to Keybridge…</p>
    </section>
  );
}

function LinkExpired() {
  const reconnect = useKb((s) => s.reconnect);
  return (
    <section className="view" aria-labelledby="view-title">
      <h1 id="view-title" className="title" tabIndex={-1}>
        Open Keybridge from its link
      </h1>
      <p className="lede">
        This page’s link was already used or belongs to an earlier run of Keybridge. Open the link that{' '}
        <code className="mono">keybridge serve --ui</code> printed most recently.
      </p>
      <div className="actions">
        <button type="button" className="btn btn-secondary btn-block" onClick={reconnect}>
          Try again
        </button>
      </div>
    </section>
  );
}
