import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { AccountList, AccountSummary } from '../../core/api/contract';
import { useFocusWhen } from '../components/hooks';
import { CheckIcon, Chevron, SignOutIcon } from '../components/icons';
import { Problem } from '../components/Problem';
import { planLabel } from '../lib/plan';
import {
  blockingText,
  blockingWindow,
  formatUsed,
  fullestWindow,
  namedWindowLabel,
  usageTone,
} from '../lib/usage';
import { useKb } from '../store';
import './account.css';
import './accounts.css';

/**
 * The header's account switcher (issue #11): a disclosure button naming the active account, and a panel
 * listing every account with its plan and a small usage bar, the active one marked (aria-current and a
 * check). Each account can be made active or signed out (after a confirmation); "Add account…" starts a
 * sign-in; auto-switch and the pin are switches. Escape closes the panel and returns focus to the button.
 */
export function AccountSwitcher({ list }: { list: AccountList }) {
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const active = list.accounts.find((a) => a.active) ?? null;
  const others = list.accounts.length - (active ? 1 : 0);
  const name = active?.email ?? active?.accountId ?? 'No active account';
  const plan = planLabel(active?.planType);

  useEffect(() => {
    if (!open) return;
    // A click elsewhere on the page closes the panel, as a menu would. On `click`, not `mousedown`: the
    // panel sits in the page's flow, so closing it on the press would move what the pointer is releasing on
    // (a notice's Dismiss button, say) and the click would land on something else.
    // The event's path, not `contains`: a button that removed itself (a confirmation's Cancel) is no
    // longer inside the panel by the time the click reaches the document, yet it was clicked inside.
    const onClick = (e: MouseEvent) => {
      if (root.current && !e.composedPath().includes(root.current)) setOpen(false);
    };
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, [open]);

  const close = () => {
    setOpen(false);
    trigger.current?.focus();
  };

  return (
    <div
      className="switcher"
      ref={root}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          close();
        }
      }}
    >
      <button
        ref={trigger}
        type="button"
        className="switcher-trigger"
        aria-expanded={open}
        aria-controls="accounts-panel"
        aria-label={`Accounts: ${name} is active${others > 0 ? `, ${others} more` : ''}`}
        onClick={() => setOpen(!open)}
      >
        <span className="avatar avatar-small" aria-hidden="true">
          {name.charAt(0).toUpperCase()}
        </span>
        <span className="switcher-name truncate" aria-hidden="true">
          {name}
        </span>
        {plan && (
          <span className="badge badge-small" aria-hidden="true">
            {plan}
          </span>
        )}
        {others > 0 && (
          <span className="switcher-more" aria-hidden="true">
            +{others}
          </span>
        )}
        <Chevron open={open} />
      </button>
      {open && <AccountsPanel list={list} onSwitched={close} />}
    </div>
  );
}

function AccountsPanel({ list, onSwitched }: { list: AccountList; onSwitched: () => void }) {
  const busy = useKb((s) => s.accountBusy);
  const error = useKb((s) => s.accountError);
  const connected = useKb((s) => s.connection === 'open');
  const signIn = useKb((s) => s.signIn);
  const signingIn = useKb((s) => s.pending === 'signIn' || s.status?.state === 'signingIn');
  const setAutoSwitch = useKb((s) => s.setAutoSwitch);
  const setPinned = useKb((s) => s.setPinned);
  const active = list.accounts.find((a) => a.active);
  const disabled = busy !== null || !connected;

  return (
    <div id="accounts-panel" className="switcher-panel" role="region" aria-label="Accounts">
      <ul className="account-list">
        {list.accounts.map((a) => (
          <AccountRow key={a.accountId} account={a} disabled={disabled} onSwitched={onSwitched} />
        ))}
      </ul>
      {error && <Problem error={error} urgent />}
      <button
        type="button"
        className="btn btn-secondary btn-block"
        onClick={() => void signIn()}
        disabled={disabled || signingIn}
      >
        {signingIn ? 'Waiting for the browser…' : 'Add account…'}
      </button>
      <div className="switches">
        <SwitchRow checked={list.autoSwitch} disabled={disabled} onChange={setAutoSwitch}>
          Switch accounts automatically when a limit is reached
        </SwitchRow>
        {active && (
          <SwitchRow checked={list.pinned} disabled={disabled} onChange={setPinned}>
            Pin {active.email ?? 'this account'}: never switch away from it automatically
          </SwitchRow>
        )}
      </div>
    </div>
  );
}

function AccountRow({
  account,
  disabled,
  onSwitched,
}: {
  account: AccountSummary;
  disabled: boolean;
  onSwitched: () => void;
}) {
  const switchAccount = useKb((s) => s.switchAccount);
  const ask = useKb((s) => s.askSignOutOf);
  const confirming = useKb((s) => s.confirmSignOutOf === account.accountId);
  const busy = useKb((s) => s.accountBusy);
  const name = account.email ?? account.accountId;
  const plan = planLabel(account.planType);
  const needsSignIn = account.state === 'expired' || account.state === 'error';
  const switching = busy?.action === 'switch' && busy.accountId === account.accountId;
  const blocking = blockingWindow(account.usage);
  const id = `acct-${account.accountId.replace(/\W+/g, '-')}`;

  return (
    <li className={account.active ? 'account-item account-item-active' : 'account-item'}>
      <div className="account-item-row">
        <button
          type="button"
          className="account-choice"
          aria-current={account.active ? 'true' : undefined}
          aria-describedby={`${id}-state`}
          disabled={disabled && !account.active}
          onClick={() => {
            if (account.active) onSwitched();
            else
              void switchAccount(account.accountId).then((ok) => {
                if (ok) onSwitched();
              });
          }}
        >
          <span className="account-check">{account.active && <CheckIcon />}</span>
          <span className="account-choice-name truncate">{name}</span>
          {plan && <span className="badge badge-small">{plan}</span>}
        </button>
        <button
          type="button"
          className="icon-btn icon-btn-small"
          aria-label={`Sign out ${name}`}
          title={`Sign out ${name}`}
          onClick={() => ask(account.accountId)}
          disabled={disabled}
        >
          <SignOutIcon />
        </button>
      </div>
      <p id={`${id}-state`} className="account-state">
        {switching
          ? 'Switching…'
          : needsSignIn
            ? 'Sign in again'
            : blocking
              ? blockingText(blocking)
              : account.active
                ? 'Active'
                : 'Signed in'}
      </p>
      <MiniUsage account={account} labelId={id} />
      {confirming && <ConfirmSignOut account={account} />}
    </li>
  );
}

/** The fullest window of the account as a thin bar, labelled by the window and the account. */
function MiniUsage({ account, labelId }: { account: AccountSummary; labelId: string }) {
  const w = fullestWindow(account.usage?.windows);
  if (!w) return null;
  const used = Math.min(100, Math.max(0, w.usedPercent));
  const label = `${namedWindowLabel(w.name)} of ${account.email ?? account.accountId}`;
  return (
    <div
      className={`meter meter-mini meter-${usageTone(used)}`}
      role="meter"
      id={`${labelId}-usage`}
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(used)}
      aria-valuetext={formatUsed(used)}
      title={`${namedWindowLabel(w.name)}: ${formatUsed(used)}`}
    >
      <div className="meter-fill" style={{ width: `${used}%` }} />
    </div>
  );
}

function ConfirmSignOut({ account }: { account: AccountSummary }) {
  const cancel = useKb((s) => s.cancelSignOutOf);
  const signOut = useKb((s) => s.signOutAccount);
  const busy = useKb((s) => s.accountBusy);
  const others = useKb((s) => (s.accountList?.accounts.length ?? 1) - 1);
  const cancelRef = useFocusWhen<HTMLButtonElement>(true);
  const name = account.email ?? account.accountId;
  const textId = `confirm-${account.accountId.replace(/\W+/g, '-')}`;
  const signingOut = busy?.action === 'signOut' && busy.accountId === account.accountId;
  return (
    <div className="confirm" role="group" aria-labelledby={textId}>
      <p id={textId} className="confirm-text">
        Sign out of {name}?{' '}
        {account.active && others > 0
          ? 'Connected tools move to another account.'
          : account.active
            ? 'Connected tools lose access.'
            : 'Its tokens are revoked.'}
      </p>
      <div className="actions-row">
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => void signOut(account.accountId)}
          disabled={busy !== null}
        >
          {signingOut ? 'Signing out…' : 'Sign out'}
        </button>
        <button
          ref={cancelRef}
          type="button"
          className="btn btn-secondary"
          onClick={cancel}
          disabled={busy !== null}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}

/** An on/off setting: a checkbox with the switch role, its label beside it. */
function SwitchRow({
  checked,
  disabled,
  onChange,
  children,
}: {
  checked: boolean;
  disabled: boolean;
  onChange: (on: boolean) => unknown;
  children: ReactNode;
}) {
  return (
    <label className="switch-row">
      <input
        type="checkbox"
        role="switch"
        checked={checked}
        disabled={disabled}
        onChange={(e) => void onChange(e.target.checked)}
      />
      <span>{children}</span>
    </label>
  );
}
