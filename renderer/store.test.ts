/**
 * The store against an in-test Bridge: a plain object with the Bridge's methods whose status changes the
 * way the host's does, and whose calls can be made to fail or to wait.
 */
import { describe, expect, it } from 'vitest';
import type { Status } from '../core/api/contract';
import { sampleModelList, sampleUsage, accountBridgeStubs } from '../test/support/account-fixtures';
import { sampleCodexStatus } from '../test/support/tool-fixtures';
import { BridgeError, type ConnectionState, type UiBridge } from './bridge/types';
import { createKbStore } from './store';

const storage = { kind: 'os-keyring', protected: true, description: 'System keyring' };
const signedOut: Status = { state: 'signedOut', storage };
const signingIn: Status = {
  state: 'signingIn',
  storage,
  signIn: {
    url: 'https://auth.example/authorize?x=1',
    redirectUri: 'http://localhost:1455/auth/callback',
    startedAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
  },
};
const signedIn: Status = {
  state: 'signedIn',
  storage,
  account: { email: 'ada@example.com', planType: 'plus', accountId: 'acc-1' },
};

class FakeBridge implements UiBridge {
  status: Status = signedOut;
  connection: ConnectionState = 'open';
  calls: string[] = [];
  opened: string[] = [];
  failNext: Error | null = null;
  private statusListeners = new Set<(s: Status) => void>();
  private connectionListeners = new Set<(s: ConnectionState) => void>();
  /** When set, getStatus waits for this before answering (to race it against an event). */
  gate: Promise<void> | null = null;

  push(status: Status): void {
    this.status = status;
    for (const l of this.statusListeners) l(status);
  }
  setConnection(state: ConnectionState): void {
    this.connection = state;
    for (const l of this.connectionListeners) l(state);
  }
  private step(name: string): void {
    this.calls.push(name);
    const e = this.failNext;
    this.failNext = null;
    if (e) throw e;
  }

  async getStatus() {
    const snapshot = this.status;
    if (this.gate) await this.gate;
    this.step('getStatus');
    return snapshot;
  }
  async login() {
    this.step('login');
    this.push(signingIn);
    return { url: signingIn.signIn!.url, redirectUri: signingIn.signIn!.redirectUri };
  }
  async cancelSignIn() {
    this.step('cancel');
    this.push(signedOut);
    return { cancelled: true };
  }
  async openRedirectUrl(url: string) {
    this.step(`openUrl:${url}`);
    this.push(signedIn);
    return signedIn;
  }
  async logout() {
    this.step('logout');
    this.push(signedOut);
    return { revoked: true, signedOut: ['acc'] };
  }
  // Several accounts: the UI's own tests cover them; here they only answer.
  private readonly accountStubs = accountBridgeStubs(() => this.status);
  listAccounts = () => this.accountStubs.listAccounts();
  switchAccount = (account: string, opts?: { pin?: boolean }) =>
    this.accountStubs.switchAccount(account, opts);
  setAutoSwitch = (enabled: boolean) => this.accountStubs.setAutoSwitch(enabled);
  setPinned = (pinned: boolean) => this.accountStubs.setPinned(pinned);
  onAccounts = this.accountStubs.onAccounts;
  onUsageNotice = this.accountStubs.onUsageNotice;
  async listModels(opts?: { refresh?: boolean }) {
    this.step(opts?.refresh ? 'listModels:refresh' : 'listModels');
    return sampleModelList(this.status.selectedModel ?? null);
  }
  async selectModel(slug: string) {
    this.step(`selectModel:${slug}`);
    this.push({ ...this.status, selectedModel: slug });
    return sampleModelList(slug);
  }
  async getUsage(opts?: { refresh?: boolean }) {
    this.step(opts?.refresh ? 'getUsage:refresh' : 'getUsage');
    return sampleUsage();
  }
  async openExternal(url: string) {
    this.step('openExternal');
    this.opened.push(url);
  }
  // Tools and Codex sharing: renderer/tools-slice.test.ts covers them; here they only answer.
  async listTools() {
    return [];
  }
  async decideTool() {
    return [];
  }
  async revokeTool() {
    return [];
  }
  onTools() {
    return () => {};
  }
  async codexStatus() {
    return sampleCodexStatus();
  }
  async enableCodex() {
    return sampleCodexStatus(true);
  }
  async disableCodex() {
    return sampleCodexStatus();
  }
  onCodex() {
    return () => {};
  }
  onStatus(listener: (s: Status) => void) {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }
  onConnection(listener: (s: ConnectionState) => void) {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }
  connectionState() {
    return this.connection;
  }
  reconnect() {
    this.calls.push('reconnect');
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the store', () => {
  it('loads the first status and follows status events', async () => {
    const bridge = new FakeBridge();
    bridge.status = signedIn;
    const store = createKbStore(bridge);
    store.getState().start();
    await tick();
    expect(store.getState().status?.state).toBe('signedIn');
    bridge.push(signedOut);
    expect(store.getState().status?.state).toBe('signedOut');
  });

  it('never lets a late getStatus answer overwrite a newer event', async () => {
    const bridge = new FakeBridge();
    let open!: () => void;
    bridge.gate = new Promise((r) => (open = r));
    const store = createKbStore(bridge);
    store.getState().start(); // getStatus snapshots signedOut, then waits
    bridge.push(signedIn);
    open();
    await tick();
    expect(store.getState().status?.state).toBe('signedIn');
  });

  it('signs in, opens the link again and cancels', async () => {
    const bridge = new FakeBridge();
    const store = createKbStore(bridge);
    store.getState().start();
    await store.getState().signIn();
    expect(store.getState().status?.state).toBe('signingIn');
    expect(store.getState().pending).toBeNull();
    await store.getState().openSignInLinkAgain();
    expect(bridge.opened).toEqual([signingIn.signIn!.url]);
    await store.getState().cancelSignIn();
    expect(store.getState().status?.state).toBe('signedOut');
  });

  it('shows why a sign-in could not start, and clears it on the next try', async () => {
    const bridge = new FakeBridge();
    const store = createKbStore(bridge);
    store.getState().start();
    bridge.failNext = new BridgeError('port_in_use', 'Port 1455 is in use.');
    await store.getState().signIn();
    expect(store.getState().error).toEqual({ code: 'port_in_use', message: 'Port 1455 is in use.' });
    expect(store.getState().status?.state).toBe('signedOut');
    await store.getState().signIn();
    expect(store.getState().error).toBeNull();
    expect(store.getState().status?.state).toBe('signingIn');
  });

  it('shows a failure once when the host also reports it in the status', async () => {
    const bridge = new FakeBridge();
    const store = createKbStore(bridge);
    store.getState().start();
    const failure = { code: 'discovery_failed', message: 'Could not reach the sign-in server.' };
    // Status event first, then the rejected call…
    bridge.login = async () => {
      bridge.push({ ...signedOut, lastError: failure });
      throw new BridgeError(failure.code, failure.message);
    };
    await store.getState().signIn();
    expect(store.getState().status?.lastError).toEqual(failure);
    expect(store.getState().error).toBeNull();
    // …or the rejected call first, then the status event.
    bridge.push(signedOut);
    bridge.login = async () => {
      setTimeout(() => bridge.push({ ...signedOut, lastError: failure }), 0);
      throw new BridgeError(failure.code, failure.message);
    };
    await store.getState().signIn();
    expect(store.getState().error).toEqual(failure);
    await tick();
    expect(store.getState().error).toBeNull();
    expect(store.getState().status?.lastError).toEqual(failure);
  });

  it('shows the error of a wrong pasted redirect URL in the field, and accepts a good one', async () => {
    const bridge = new FakeBridge();
    const store = createKbStore(bridge);
    store.getState().start();
    await store.getState().signIn();
    store.getState().togglePaste(true);
    expect(await store.getState().submitRedirectUrl('   ')).toBe(false);
    expect(store.getState().pasteError).toMatch(/Paste the address/);
    expect(bridge.calls.some((c) => c.startsWith('openUrl'))).toBe(false);

    bridge.failNext = new BridgeError('state_mismatch', 'That redirect is from an older sign-in.');
    expect(
      await store.getState().submitRedirectUrl('http://localhost:1455/auth/callback?code=a&state=b'),
    ).toBe(false);
    expect(store.getState().pasteError).toBe('That redirect is from an older sign-in.');
    expect(store.getState().pasteOpen).toBe(true);

    expect(
      await store.getState().submitRedirectUrl(' http://localhost:1455/auth/callback?code=c&state=d '),
    ).toBe(true);
    expect(bridge.calls).toContain('openUrl:http://localhost:1455/auth/callback?code=c&state=d');
    expect(store.getState().status?.state).toBe('signedIn');
    expect(store.getState().pasteOpen).toBe(false);
    expect(store.getState().pasteError).toBeNull();
  });

  it('signs out only after the confirmation', async () => {
    const bridge = new FakeBridge();
    bridge.status = signedIn;
    const store = createKbStore(bridge);
    store.getState().start();
    await tick();
    store.getState().askSignOut();
    expect(store.getState().confirmSignOut).toBe(true);
    store.getState().cancelSignOut();
    expect(store.getState().confirmSignOut).toBe(false);
    expect(bridge.calls).not.toContain('logout');

    store.getState().askSignOut();
    await store.getState().signOut();
    expect(bridge.calls).toContain('logout');
    expect(store.getState().status?.state).toBe('signedOut');
    expect(store.getState().confirmSignOut).toBe(false);
  });

  it('keeps the confirmation and shows the error when sign-out fails', async () => {
    const bridge = new FakeBridge();
    bridge.status = signedIn;
    const store = createKbStore(bridge);
    store.getState().start();
    await tick();
    store.getState().askSignOut();
    bridge.failNext = new BridgeError('disconnected', 'Lost the connection to Keybridge. Try again.');
    await store.getState().signOut();
    expect(store.getState().confirmSignOut).toBe(true);
    expect(store.getState().error?.message).toMatch(/Lost the connection/);
  });

  it('ignores a second action while one is pending', async () => {
    const bridge = new FakeBridge();
    const store = createKbStore(bridge);
    store.getState().start();
    const first = store.getState().signIn();
    const second = store.getState().signIn();
    await Promise.all([first, second]);
    expect(bridge.calls.filter((c) => c === 'login')).toHaveLength(1);
  });

  it('follows the connection and reloads the status after a reconnection', async () => {
    const bridge = new FakeBridge();
    bridge.connection = 'connecting';
    const store = createKbStore(bridge);
    store.getState().start();
    await tick();
    expect(store.getState().connection).toBe('connecting');
    expect(bridge.calls).not.toContain('getStatus');

    bridge.setConnection('open');
    await tick();
    expect(store.getState().status?.state).toBe('signedOut');

    bridge.setConnection('reconnecting');
    expect(store.getState().connection).toBe('reconnecting');
    bridge.status = signedIn; // changed while the page was disconnected; no event reached it
    bridge.setConnection('open');
    await tick();
    expect(store.getState().status?.state).toBe('signedIn');
  });

  it('holds only Status: no token field reaches the store', async () => {
    const bridge = new FakeBridge();
    bridge.status = signedIn;
    const store = createKbStore(bridge);
    store.getState().start();
    await tick();
    expect(JSON.stringify(store.getState())).not.toMatch(/token/i);
  });
});
