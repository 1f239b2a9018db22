/**
 * What the UI may do, derived from the renderer's grants (protocol.ts). The preload (Electron IPC) and the
 * browser's WebSocket client both implement `Bridge`, so the renderer does not know which one it has.
 */
import type {
  AccountList,
  BrowserSignInResult,
  CodexStatus,
  DeviceSignInResult,
  ParamsOf,
  RendererMethod,
  ResultOf,
  Status,
  ToolInfo,
  UsageNotice,
} from './protocol';

export type { BrowserSignInResult, DeviceSignInResult } from './protocol';

/** `auth.login` without `method: 'device'` always answers the browser's shape; this says so to the compiler. */
export function asBrowserSignIn(result: ResultOf<'auth.login'>): BrowserSignInResult {
  if ('url' in result) return result;
  throw new Error('The host answered a browser sign-in with a device code.');
}

/** `auth.login {method: 'device'}` answers the device shape. */
export function asDeviceSignIn(result: ResultOf<'auth.login'>): DeviceSignInResult {
  if ('userCode' in result) return result;
  throw new Error('The host did not start a sign-in with a code.');
}

export type BridgeCall = <M extends RendererMethod>(method: M, params: ParamsOf<M>) => Promise<ResultOf<M>>;

/** The one-method-per-action surface the preload exposes as `window.keybridge`. */
export interface Bridge {
  getStatus(): Promise<ResultOf<'status.get'>>;
  login(): Promise<BrowserSignInResult>;
  /** "Sign in with a code": a device-code sign-in; the page and code are also in Status.signIn. */
  loginWithCode(): Promise<DeviceSignInResult>;
  cancelSignIn(): Promise<ResultOf<'auth.cancel'>>;
  openRedirectUrl(url: string): Promise<ResultOf<'auth.openUrl'>>;
  /** Signs out the active account, one account, or all of them. */
  logout(opts?: { account?: string; all?: boolean }): Promise<ResultOf<'auth.logout'>>;
  /** The account's models and the selected one; `refresh` asks the server now instead of the hourly cache. */
  listModels(opts?: { refresh?: boolean }): Promise<ResultOf<'models.list'>>;
  selectModel(slug: string): Promise<ResultOf<'models.select'>>;
  getUsage(opts?: { refresh?: boolean }): Promise<ResultOf<'usage.get'>>;
  /** Opens the authorization URL or a known help link in the system browser (or a new tab). */
  openExternal(url: string): Promise<void>;
  onStatus(listener: (status: Status) => void): () => void;
  /** Local tools: who asked, who is allowed, who waits for an answer (never a token). */
  listTools(): Promise<ResultOf<'tools.list'>>;
  decideTool(name: string, allow: boolean): Promise<ResultOf<'tools.decide'>>;
  revokeTool(name: string): Promise<ResultOf<'tools.revoke'>>;
  onTools(listener: (tools: ToolInfo[]) => void): () => void;
  /** Sharing with Codex CLI. */
  codexStatus(): Promise<ResultOf<'codex.status'>>;
  enableCodex(opts?: { replaceExisting?: boolean }): Promise<ResultOf<'codex.enable'>>;
  disableCodex(): Promise<ResultOf<'codex.disable'>>;
  onCodex(listener: (status: CodexStatus) => void): () => void;
  /** Several accounts: the list, switching, auto-switch and pinning (docs/accounts.md). */
  listAccounts(): Promise<ResultOf<'accounts.list'>>;
  switchAccount(account: string, opts?: { pin?: boolean }): Promise<ResultOf<'accounts.switch'>>;
  setAutoSwitch(enabled: boolean): Promise<ResultOf<'accounts.setAutoSwitch'>>;
  setPinned(pinned: boolean): Promise<ResultOf<'accounts.setPinned'>>;
  onAccounts(listener: (list: AccountList) => void): () => void;
  /** Usage alerts (80 % / 95 % of a window, a reset) and automatic switches, for a notification. */
  onUsageNotice(listener: (notice: UsageNotice) => void): () => void;
}
