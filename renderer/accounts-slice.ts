/**
 * The store's part for several accounts (issue #11): the list with the active one, switching, signing one
 * out after a confirmation, auto-switch and the pin, and the usage notices the host sends. Mixed into the
 * one store (store.ts). Nothing here holds a token: `accounts.*` and `usage.notice` carry none.
 */
import type { AccountList, UsageNotice } from '../core/api/contract';
import { errorInfo, type UiBridge } from './bridge/types';

/** How many notices stay on screen; older ones go first. */
export const MAX_NOTICES = 3;

export type AccountAction = 'switch' | 'signOut' | 'autoSwitch' | 'pin';

export interface ShownNotice extends UsageNotice {
  /** Unique within this page, for keys and dismissal. */
  id: number;
}

export interface AccountsSlice {
  accountList: AccountList | null;
  /** What is running now, and for which account: one account action at a time. */
  accountBusy: { action: AccountAction; accountId?: string } | null;
  /** The last account action that failed, shown in the switcher until the next one. */
  accountError: { code: string; message: string } | null;
  /** The account whose sign-out waits for the user's confirmation. */
  confirmSignOutOf: string | null;
  notices: ShownNotice[];

  /** Subscribes to `accounts.changed` and `usage.notice` and loads the list; returns the unsubscribe. */
  startAccounts(): () => void;
  loadAccounts(): Promise<void>;
  /** Resolves true when the account is the active one now. */
  switchAccount(accountId: string): Promise<boolean>;
  setAutoSwitch(enabled: boolean): Promise<boolean>;
  setPinned(pinned: boolean): Promise<boolean>;
  askSignOutOf(accountId: string): void;
  cancelSignOutOf(): void;
  signOutAccount(accountId: string): Promise<boolean>;
  dismissNotice(id: number): void;
}

export function createAccountsSlice(
  bridge: UiBridge,
  set: (partial: Partial<AccountsSlice>) => void,
  get: () => AccountsSlice,
): AccountsSlice {
  /** Bumped by every list the host pushes, so an older `accounts.list` answer never overwrites it. */
  let listVersion = 0;
  let noticeId = 0;

  function applyList(list: AccountList): void {
    listVersion++;
    const confirm = get().confirmSignOutOf;
    set({
      accountList: list,
      // The account waiting for confirmation is gone (signed out elsewhere): nothing to confirm.
      ...(confirm && !list.accounts.some((a) => a.accountId === confirm) ? { confirmSignOutOf: null } : {}),
    });
  }

  async function run(
    busy: NonNullable<AccountsSlice['accountBusy']>,
    fn: () => Promise<AccountList | void>,
  ): Promise<boolean> {
    if (get().accountBusy) return false;
    set({ accountBusy: busy, accountError: null });
    try {
      const list = await fn();
      if (list) applyList(list);
      return true;
    } catch (e) {
      set({ accountError: errorInfo(e) });
      return false;
    } finally {
      set({ accountBusy: null });
    }
  }

  /**
   * A switch the user flipped shows its new position at once (a checkbox that snaps back until the host
   * answers reads as "did not work"); if the host refuses, it goes back and the list is asked again.
   */
  async function flip(
    action: 'autoSwitch' | 'pin',
    patch: Partial<AccountList>,
    fn: () => Promise<AccountList>,
  ): Promise<boolean> {
    if (get().accountBusy) return false;
    const before = get().accountList;
    if (before) set({ accountList: { ...before, ...patch } });
    const ok = await run({ action }, fn);
    if (!ok) {
      if (before) set({ accountList: before });
      void get().loadAccounts();
    }
    return ok;
  }

  return {
    accountList: null,
    accountBusy: null,
    accountError: null,
    confirmSignOutOf: null,
    notices: [],

    startAccounts() {
      const offList = bridge.onAccounts(applyList);
      const offNotice = bridge.onUsageNotice((notice) => {
        const shown = { ...notice, id: ++noticeId };
        set({ notices: [...get().notices, shown].slice(-MAX_NOTICES) });
      });
      void get().loadAccounts();
      return () => {
        offList();
        offNotice();
      };
    },

    async loadAccounts() {
      const version = listVersion;
      try {
        const list = await bridge.listAccounts();
        if (version === listVersion) applyList(list);
      } catch {
        // Not connected yet, or a host without accounts: the header shows the status alone.
      }
    },

    switchAccount: (accountId) =>
      run({ action: 'switch', accountId }, async () => {
        if (get().accountList?.activeAccountId === accountId) return;
        return bridge.switchAccount(accountId);
      }),

    setAutoSwitch: (enabled) =>
      flip('autoSwitch', { autoSwitch: enabled }, () => bridge.setAutoSwitch(enabled)),

    setPinned: (pinned) => flip('pin', { pinned }, () => bridge.setPinned(pinned)),

    askSignOutOf(accountId) {
      set({ confirmSignOutOf: accountId, accountError: null });
    },

    cancelSignOutOf() {
      set({ confirmSignOutOf: null });
    },

    signOutAccount: (accountId) =>
      run({ action: 'signOut', accountId }, async () => {
        await bridge.logout({ account: accountId });
        set({ confirmSignOutOf: null });
        // The new list arrives as the host's `accounts.changed`, as after any change of the accounts.
      }),

    dismissNotice(id) {
      set({ notices: get().notices.filter((n) => n.id !== id) });
    },
  };
}
