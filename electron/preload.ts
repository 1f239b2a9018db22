/**
 * The narrow bridge between the sandboxed page and the main process: exactly the Bridge of
 * core/api/bridge.ts (one method per action, one status subscription) as `window.keybridge`. The page
 * never sees `ipcRenderer`. Bundled to CommonJS: a sandboxed preload cannot import modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Status } from './core/api/contract';
import { ipcChannels, type Bridge, type BridgeCall } from './core/api/bridge';
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

const bridge: Bridge = {
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
  logout: () => call('auth.logout', undefined),
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
