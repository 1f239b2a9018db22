/**
 * The renderer's one store: the host's Status (from `status.changed` plus an initial `getStatus()`), the
 * connection to the host, and the UI's own small state, with the actions beside it. Components subscribe
 * through selectors (`useKb(s => s.status)`), so a status event re-renders only what uses it.
 *
 * Nothing here ever holds a token: the Bridge only carries Status (contract.ts), which has none.
 */
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Status } from '../core/api/contract';
import { createAccountSlice, type AccountSlice } from './account-slice';
import { createAccountsSlice, type AccountsSlice } from './accounts-slice';
import { createToolsSlice, type ToolsSlice } from './tools-slice';
import { errorInfo, type ConnectionState, type UiBridge } from './bridge/types';

export type PendingAction = 'signIn' | 'signInWithCode' | 'cancel' | 'openUrl' | 'signOut';

export interface UiError {
  code: string;
  message: string;
}

/** The host's state and the UI's own; models and usage come from account-slice.ts, the accounts from accounts-slice.ts. */
export interface KbState extends AccountSlice, AccountsSlice, ToolsSlice {
  status: Status | null;
  connection: ConnectionState;
  pending: PendingAction | null;
  /** The last action that failed (sign in, cancel, sign out), shown until the next action or state change. */
  error: UiError | null;
  confirmSignOut: boolean;
  pasteOpen: boolean;
  pasteError: string | null;

  /** Subscribes to the bridge and loads the first status; returns the unsubscribe. */
  start(): () => void;
  refreshStatus(): Promise<void>;
  signIn(): Promise<void>;
  /** "Sign in with a code" (device sign-in): the page and the code arrive in Status.signIn. */
  signInWithCode(): Promise<void>;
  cancelSignIn(): Promise<void>;
  openSignInLinkAgain(): Promise<void>;
  togglePaste(open?: boolean): void;
  submitRedirectUrl(url: string): Promise<boolean>;
  askSignOut(): void;
  cancelSignOut(): void;
  signOut(): Promise<void>;
  dismissError(): void;
  reconnect(): void;
}

export type KbStore = StoreApi<KbState>;

export function createKbStore(bridge: UiBridge): KbStore {
  /** Bumped by every status event, so an older getStatus() answer never overwrites a newer event. */
  let statusVersion = 0;

  return createStore<KbState>()((set, get) => {
    function applyStatus(status: Status): void {
      statusVersion++;
      const prev = get().status;
      const stateChanged = prev?.state !== status.state;
      set({
        status,
        // The host already reports this failure in the status: show it once, not twice.
        ...(sameError(get().error, status.lastError) ? { error: null } : {}),
        ...(stateChanged
          ? {
              error: null,
              confirmSignOut: false,
              pasteOpen: status.state === 'signingIn' && get().pasteOpen,
              pasteError: null,
            }
          : {}),
      });
    }

    async function run(action: PendingAction, fn: () => Promise<void>): Promise<void> {
      if (get().pending) return;
      set({ pending: action, error: null });
      try {
        await fn();
      } catch (e) {
        const error = errorInfo(e);
        if (!sameError(error, get().status?.lastError)) set({ error });
      } finally {
        set({ pending: null });
      }
    }

    return {
      ...createAccountSlice(bridge, set, get),
      ...createToolsSlice(bridge, set, get),
      ...createAccountsSlice(bridge, set, get),
      status: null,
      connection: bridge.connectionState?.() ?? 'open',
      pending: null,
      error: null,
      confirmSignOut: false,
      pasteOpen: false,
      pasteError: null,

      start() {
        const offStatus = bridge.onStatus(applyStatus);
        const offConnection = bridge.onConnection?.((connection) => {
          set({ connection });
          // After a (re)connection the host may have moved on: ask for the current status.
          if (connection === 'open') {
            void get().refreshStatus();
            void get().loadAccounts();
          }
        });
        if (get().connection === 'open') void get().refreshStatus();
        const offTools = get().startTools();
        const offAccounts = get().startAccounts();
        return () => {
          offStatus();
          offConnection?.();
          offTools();
          offAccounts();
        };
      },

      async refreshStatus() {
        const version = statusVersion;
        try {
          const status = await bridge.getStatus();
          if (version === statusVersion) applyStatus(status);
        } catch (e) {
          if (get().connection === 'open') set({ error: errorInfo(e) });
        }
      },

      signIn: () =>
        run('signIn', async () => {
          await bridge.login();
        }),

      signInWithCode: () =>
        run('signInWithCode', async () => {
          await bridge.loginWithCode();
        }),

      cancelSignIn: () =>
        run('cancel', async () => {
          await bridge.cancelSignIn();
        }),

      async openSignInLinkAgain() {
        const url = get().status?.signIn?.url;
        if (!url) return;
        try {
          await bridge.openExternal(url);
        } catch (e) {
          set({ error: errorInfo(e) });
        }
      },

      togglePaste(open) {
        set({ pasteOpen: open ?? !get().pasteOpen, pasteError: null });
      },

      async submitRedirectUrl(url) {
        const trimmed = url.trim();
        if (trimmed === '') {
          set({ pasteError: 'Paste the address your browser shows after you sign in.' });
          return false;
        }
        if (get().pending) return false;
        set({ pending: 'openUrl', pasteError: null, error: null });
        try {
          const status = await bridge.openRedirectUrl(trimmed);
          applyStatus(status);
          return true;
        } catch (e) {
          set({ pasteError: errorInfo(e).message });
          return false;
        } finally {
          set({ pending: null });
        }
      },

      askSignOut() {
        set({ confirmSignOut: true, error: null });
      },

      cancelSignOut() {
        set({ confirmSignOut: false });
      },

      signOut: () =>
        run('signOut', async () => {
          await bridge.logout();
          set({ confirmSignOut: false });
        }),

      dismissError() {
        set({ error: null });
      },

      reconnect() {
        bridge.reconnect?.();
      },
    };
  });
}

function sameError(a: UiError | null | undefined, b: UiError | null | undefined): boolean {
  return !!a && !!b && a.code === b.code && a.message === b.message;
}

let appStore: KbStore | undefined;

/** The app's store, created on first use with the app's bridge. */
export function initStore(bridge: UiBridge): KbStore {
  appStore ??= createKbStore(bridge);
  return appStore;
}

export function useKb<T>(selector: (state: KbState) => T): T {
  if (!appStore) throw new Error('initStore() must run before the UI renders');
  return useStore(appStore, selector);
}
