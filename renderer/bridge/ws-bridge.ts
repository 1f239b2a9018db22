/**
 * The Bridge over a WebSocket to the headless host (`keybridge serve --ui`), carrying JSON-RPC 2.0 in the
 * same shapes as the broker. The first connection presents the one-time token from the printed link; the
 * host answers with an HttpOnly session cookie, which every later (re)connection uses instead.
 */
import type { Bridge } from '../../core/api/bridge';
import type { RendererMethod } from '../../core/api/protocol';
import type {
  AccountList,
  CodexStatus,
  ParamsOf,
  ResultOf,
  Status,
  ToolInfo,
  UsageNotice,
} from '../../core/api/contract';
import { BridgeError, type ConnectionSource, type ConnectionState } from './types';
import { backoffMs, type BackoffPolicy } from '../../core/backoff';

export interface WsBridgeOptions {
  /** `ws://127.0.0.1:PORT/ws` */
  url: string;
  /** The one-time token from the link, or null when this tab already holds a session cookie. */
  token: string | null;
  /** Answers 204 when this tab's session cookie is valid and 401 when not: tells "host down" from "link used". */
  sessionUrl: string;
  openWindow: (url: string) => void;
  WebSocketImpl?: typeof WebSocket;
  fetchImpl?: typeof fetch;
  /** How long a call made while disconnected waits for the connection. */
  waitForOpenMs?: number;
}

interface InFlight {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Reconnecting the page to the host: 250 ms, 500 ms … 10 s, ±25 % (core/backoff.ts). */
const RECONNECT: BackoffPolicy = { firstMs: 250, maxMs: 10_000, jitter: [0.75, 1.25] };

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return backoffMs(attempt, RECONNECT, random);
}

function isHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export interface WsBridge extends Bridge, ConnectionSource {
  /** A new link was opened in this tab (only its fragment changed, so the page did not reload). */
  useToken(token: string): void;
  /** Disconnects for good: no more reconnection attempts. */
  close(): void;
}

export function createWsBridge(opts: WsBridgeOptions): WsBridge {
  const WS = opts.WebSocketImpl ?? WebSocket;
  const doFetch = opts.fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const waitForOpenMs = opts.waitForOpenMs ?? 15_000;
  let token = opts.token;
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let nextId = 1;
  const inFlight = new Map<number, InFlight>();
  const statusListeners = new Set<(s: Status) => void>();
  const toolsListeners = new Set<(tools: ToolInfo[]) => void>();
  const codexListeners = new Set<(s: CodexStatus) => void>();
  const accountsListeners = new Set<(list: AccountList) => void>();
  const noticeListeners = new Set<(notice: UsageNotice) => void>();
  const connectionListeners = new Set<(s: ConnectionState) => void>();
  const openWaiters = new Set<() => void>();
  let closed = false;

  function setState(next: ConnectionState): void {
    if (next === state) return;
    state = next;
    for (const l of connectionListeners) l(next);
    if (next === 'open' || next === 'unauthorized') for (const w of [...openWaiters]) w();
  }

  function connect(): void {
    clearTimeout(retryTimer);
    if (closed) return;
    const attemptToken = token;
    const url = attemptToken ? `${opts.url}?token=${encodeURIComponent(attemptToken)}` : opts.url;
    const ws = new WS(url);
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      attempt = 0;
      // The host swapped the link's token for a session cookie; the token will not work again.
      if (token === attemptToken) token = null;
      setState('open');
    };
    // The close event follows and decides what to do; a handler keeps Node's `ws` from throwing.
    ws.onerror = () => {};
    ws.onmessage = (ev) => onMessage(typeof ev.data === 'string' ? ev.data : '');
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      for (const [, call] of inFlight) {
        call.reject(new BridgeError('disconnected', 'Lost the connection to Keybridge. Try again.'));
      }
      inFlight.clear();
      void afterClose(opened, attemptToken);
    };
  }

  async function afterClose(wasOpen: boolean, attemptToken: string | null): Promise<void> {
    if (closed) return;
    if (!wasOpen) {
      // The WebSocket API hides the handshake's status; ask the host whether it knows this tab at all.
      const known = await probeSession();
      if (socket || closed) return; // reconnect() or useToken() already started a new attempt
      if (known === false) {
        if (token === attemptToken) {
          // A refused token (spent, or from an earlier run) will not start working later: stop retrying.
          token = null;
          setState('unauthorized');
          return;
        }
        // A newer link arrived while this attempt failed: try it now.
        attempt = 0;
        connect();
        return;
      }
    }
    setState(wasOpen || state !== 'connecting' ? 'reconnecting' : 'connecting');
    const delay = backoffDelay(attempt++);
    retryTimer = setTimeout(connect, delay);
  }

  /** true: session valid; false: the host is up but does not know this tab; null: host unreachable. */
  async function probeSession(): Promise<boolean | null> {
    try {
      const res = await doFetch(opts.sessionUrl, { credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 401) return false;
      return res.ok;
    } catch {
      return null;
    }
  }

  function onMessage(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    const m = msg as {
      id?: unknown;
      method?: unknown;
      params?: unknown;
      result?: unknown;
      error?: { code?: unknown; message?: unknown; data?: { code?: unknown } };
    };
    if (m.method === 'status.changed' && m.params && typeof m.params === 'object') {
      for (const l of statusListeners) l(m.params as Status);
      return;
    }
    if (m.method === 'tools.changed' && m.params && typeof m.params === 'object') {
      const tools = (m.params as { tools?: unknown }).tools;
      if (Array.isArray(tools)) for (const l of toolsListeners) l(tools as ToolInfo[]);
      return;
    }
    if (m.method === 'codex.changed' && m.params && typeof m.params === 'object') {
      for (const l of codexListeners) l(m.params as CodexStatus);
      return;
    }
    if (m.method === 'accounts.changed' && m.params && typeof m.params === 'object') {
      for (const l of accountsListeners) l(m.params as AccountList);
      return;
    }
    if (m.method === 'usage.notice' && m.params && typeof m.params === 'object') {
      for (const l of noticeListeners) l(m.params as UsageNotice);
      return;
    }
    if (typeof m.id !== 'number') return;
    const call = inFlight.get(m.id);
    if (!call) return;
    inFlight.delete(m.id);
    if (m.error) {
      const code = typeof m.error.data?.code === 'string' ? m.error.data.code : 'internal';
      const message =
        typeof m.error.message === 'string' ? m.error.message : 'Keybridge refused the request.';
      call.reject(
        new BridgeError(code, message, typeof m.error.code === 'number' ? m.error.code : undefined),
      );
    } else {
      call.resolve(m.result);
    }
  }

  function waitForOpen(): Promise<void> {
    if (state === 'open') return Promise.resolve();
    if (state === 'unauthorized') return Promise.reject(notAuthorized());
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        openWaiters.delete(done);
        if (state === 'open') resolve();
        else reject(state === 'unauthorized' ? notAuthorized() : notConnected());
      };
      const timer = setTimeout(() => {
        openWaiters.delete(done);
        reject(notConnected());
      }, waitForOpenMs);
      openWaiters.add(done);
    });
  }

  async function call<M extends RendererMethod>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
    await waitForOpen();
    const ws = socket;
    if (!ws || ws.readyState !== WS.OPEN) throw notConnected();
    const id = nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      inFlight.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const body =
        params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      ws.send(JSON.stringify(body));
    });
  }

  async function openExternal(url: string): Promise<void> {
    if (!isHttpUrl(url)) throw new BridgeError('invalid_params', 'Only web links can be opened.');
    opts.openWindow(url);
  }

  function reconnect(): void {
    if (socket && socket.readyState !== WS.CLOSED && socket.readyState !== WS.CLOSING) return;
    attempt = 0;
    setState('connecting');
    connect();
  }

  connect();

  return {
    getStatus: () => call('status.get'),
    async login() {
      // The page opens the consent page itself, in this browser, so the host does not open another one.
      const result = await call('auth.login', { noBrowser: true });
      await openExternal(result.url);
      return result;
    },
    cancelSignIn: () => call('auth.cancel'),
    openRedirectUrl: (url: string) => call('auth.openUrl', { url }),
    logout: (opts?: { account?: string; all?: boolean }) => call('auth.logout', logoutParams(opts)),
    listAccounts: () => call('accounts.list'),
    switchAccount: (account: string, opts?: { pin?: boolean }) =>
      call('accounts.switch', opts?.pin === undefined ? { account } : { account, pin: opts.pin }),
    setAutoSwitch: (enabled: boolean) => call('accounts.setAutoSwitch', { enabled }),
    setPinned: (pinned: boolean) => call('accounts.setPinned', { pinned }),
    onAccounts(listener) {
      accountsListeners.add(listener);
      return () => accountsListeners.delete(listener);
    },
    onUsageNotice(listener) {
      noticeListeners.add(listener);
      return () => noticeListeners.delete(listener);
    },
    listTools: () => call('tools.list'),
    decideTool: (name: string, allow: boolean) => call('tools.decide', { name, allow }),
    revokeTool: (name: string) => call('tools.revoke', { name }),
    onTools(listener) {
      toolsListeners.add(listener);
      return () => toolsListeners.delete(listener);
    },
    codexStatus: () => call('codex.status'),
    enableCodex: (opts?: { replaceExisting?: boolean }) =>
      call('codex.enable', opts?.replaceExisting ? { replaceExisting: true } : undefined),
    disableCodex: () => call('codex.disable'),
    onCodex(listener) {
      codexListeners.add(listener);
      return () => codexListeners.delete(listener);
    },
    listModels: (opts?: { refresh?: boolean }) =>
      call('models.list', opts?.refresh ? { refresh: true } : undefined),
    selectModel: (slug: string) => call('models.select', { slug }),
    getUsage: (opts?: { refresh?: boolean }) =>
      call('usage.get', opts?.refresh ? { refresh: true } : undefined),
    openExternal,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    connectionState: () => state,
    reconnect,
    useToken(next: string) {
      token = next;
      // An open connection already has a session; otherwise try the new link at once.
      if (state !== 'open') reconnect();
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket?.close();
    },
  };
}

function logoutParams(opts?: { account?: string; all?: boolean }): ParamsOf<'auth.logout'> {
  if (opts?.all === true) return { all: true };
  return opts?.account === undefined ? undefined : { account: opts.account };
}

function notConnected(): BridgeError {
  return new BridgeError('disconnected', 'Not connected to Keybridge yet. Try again in a moment.');
}

function notAuthorized(): BridgeError {
  return new BridgeError(
    'unauthorized',
    'This page’s link is no longer valid. Open the link printed by “keybridge serve --ui” again.',
  );
}
