/**
 * What the UI may do, derived from the contract's renderer grants. The preload (Electron IPC) and the
 * browser's WebSocket client both implement `Bridge`, so the renderer does not know which one it has.
 */
import type { MethodName, ParamsOf, ResultOf, Status } from './contract';

export const rendererMethods = [
  'status.get',
  'auth.login',
  'auth.cancel',
  'auth.openUrl',
  'auth.logout',
] as const;
export type RendererMethod = (typeof rendererMethods)[number];

export type BridgeCall = <M extends RendererMethod>(method: M, params: ParamsOf<M>) => Promise<ResultOf<M>>;

/** The one-method-per-action surface the preload exposes as `window.keybridge`. */
export interface Bridge {
  getStatus(): Promise<ResultOf<'status.get'>>;
  login(): Promise<ResultOf<'auth.login'>>;
  cancelSignIn(): Promise<ResultOf<'auth.cancel'>>;
  openRedirectUrl(url: string): Promise<ResultOf<'auth.openUrl'>>;
  logout(): Promise<ResultOf<'auth.logout'>>;
  /** Opens the authorization URL or a known help link in the system browser (or a new tab). */
  openExternal(url: string): Promise<void>;
  onStatus(listener: (status: Status) => void): () => void;
}

/** IPC channel names, one per method plus the event, declared once. */
export const ipcChannels = {
  invoke: 'keybridge:invoke',
  status: 'keybridge:status',
  openExternal: 'keybridge:open-external',
} as const;

export function isRendererMethod(m: string): m is RendererMethod & MethodName {
  return (rendererMethods as readonly string[]).includes(m);
}
