/**
 * The narrow bridge between the sandboxed page and the main process: exactly the Bridge of
 * core/api/bridge.ts (one method per action, one status subscription) as `window.keybridge`. The page
 * never sees `ipcRenderer`. Bundled to CommonJS: a sandboxed preload cannot import modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Bridge, BridgeCall } from '../core/api/bridge';
import { ipcChannels, type EventName, type Status } from '../core/api/protocol';
import type { InvokeEnvelope } from './shell/ipc-dispatch';

/**
 * A failed call rejects with a plain `{name, code, message}`: contextBridge copies only the message of an
 * Error across worlds, and the renderer reads `code` to pick its troubleshooting text.
 */
function unwrap(envelope: InvokeEnvelope): unknown {
  if (envelope && envelope.ok === true) return envelope.result;
  const error =
    envelope && envelope.ok === false ? envelope.error : { code: 'internal', message: 'No answer.' };
  throw { name: 'BridgeError', code: error.code, message: error.message };
}

const call: BridgeCall = async (method, params) =>
  unwrap(await ipcRenderer.invoke(ipcChannels.invoke, { method, params })) as never;

async function openExternal(url: string): Promise<void> {
  unwrap(await ipcRenderer.invoke(ipcChannels.openExternal, String(url)));
}

/** One listener on the event channel per subscription, filtered to one event name. */
function onEvent<T>(name: EventName, listener: (payload: T) => void): () => void {
  const handler = (_event: IpcRendererEvent, e: { name?: unknown; payload?: unknown }) => {
    if (e && e.name === name) listener(e.payload as T);
  };
  ipcRenderer.on(ipcChannels.event, handler);
  return () => {
    ipcRenderer.removeListener(ipcChannels.event, handler);
  };
}

const bridge: Bridge = {
  listTools: () => call('tools.list', undefined),
  decideTool: (name: string, allow: boolean) =>
    call('tools.decide', { name: String(name), allow: allow === true }),
  revokeTool: (name: string) => call('tools.revoke', { name: String(name) }),
  onTools: (listener) =>
    onEvent<{ tools: Parameters<typeof listener>[0] }>('tools.changed', (p) => listener(p.tools)),
  codexStatus: () => call('codex.status', undefined),
  enableCodex: (opts?: { replaceExisting?: boolean }) =>
    call('codex.enable', opts?.replaceExisting === true ? { replaceExisting: true } : undefined),
  disableCodex: () => call('codex.disable', undefined),
  onCodex: (listener) => onEvent('codex.changed', listener),
  getStatus: () => call('status.get', undefined),
  async login() {
    // Like the browser bridge: the UI's "Sign in" starts the attempt and opens its consent page in the
    // system browser (the main process checks the URL is this attempt's authorization endpoint).
    const result = await call('auth.login', { noBrowser: true });
    await openExternal(result.url);
    return result;
  },
  cancelSignIn: () => call('auth.cancel', undefined),
  openRedirectUrl: (url: string) => call('auth.openUrl', { url: String(url) }),
  logout: (opts?: { account?: string; all?: boolean }) =>
    call(
      'auth.logout',
      opts?.all === true
        ? { all: true }
        : opts?.account !== undefined
          ? { account: String(opts.account) }
          : undefined,
    ),
  listAccounts: () => call('accounts.list', undefined),
  switchAccount: (account: string, opts?: { pin?: boolean }) =>
    call(
      'accounts.switch',
      opts?.pin === undefined
        ? { account: String(account) }
        : { account: String(account), pin: opts.pin === true },
    ),
  setAutoSwitch: (enabled: boolean) => call('accounts.setAutoSwitch', { enabled: enabled === true }),
  setPinned: (pinned: boolean) => call('accounts.setPinned', { pinned: pinned === true }),
  onAccounts: (listener) => onEvent('accounts.changed', listener),
  onUsageNotice: (listener) => onEvent('usage.notice', listener),
  listModels: (opts?: { refresh?: boolean }) =>
    call('models.list', opts?.refresh ? { refresh: true } : undefined),
  selectModel: (slug: string) => call('models.select', { slug: String(slug) }),
  getUsage: (opts?: { refresh?: boolean }) =>
    call('usage.get', opts?.refresh ? { refresh: true } : undefined),
  openExternal,
  onStatus: (listener: (status: Status) => void) => {
    const handler = (_event: IpcRendererEvent, status: Status) => listener(status);
    ipcRenderer.on(ipcChannels.status, handler);
    return () => {
      ipcRenderer.removeListener(ipcChannels.status, handler);
    };
  },
};

contextBridge.exposeInMainWorld('keybridge', bridge);
