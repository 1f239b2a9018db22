/**
 * The store's accounts part end to end below the page: the store, the browser's WebSocket bridge, the real
 * web transport (startWebUi) over loopback, and the fake Service holding several accounts
 * (test/support/fake-service.ts). What the user does — add an account, switch, sign one out, turn
 * auto-switch on, pin — travels the same way it does from the page.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KeybridgeError } from '../core/errors';
import { startWebUi, type WebUi } from '../headless/web/index';
import { ADA, GRACE, statuses, TestService } from '../test/support/fake-service';
import { MAX_NOTICES } from './accounts-slice';
import { createWsBridge } from './bridge/ws-bridge';
import { createKbStore, type KbStore } from './store';

let dir: string;
let service: TestService;
let ui: WebUi;
let store: KbStore;
let stop: () => void;
let closeBridge: () => void;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-accounts-'));
  service = new TestService();
  ui = await startWebUi({ service, staticDir: dir });
  const origin = `http://127.0.0.1:${ui.port}`;
  const bridge = createWsBridge({
    url: `ws://127.0.0.1:${ui.port}/ws`,
    token: new URL(ui.url).hash.replace('#token=', ''),
    sessionUrl: `${origin}/api/session`,
    openWindow: () => {},
    // `ws` with the Origin a page of this server would send.
    WebSocketImpl: class extends WebSocket {
      constructor(url: string) {
        super(url, { origin });
      }
    } as unknown as typeof globalThis.WebSocket,
  });
  closeBridge = () => bridge.close();
  store = createKbStore(bridge);
  stop = store.getState().start();
});

afterEach(async () => {
  stop();
  closeBridge();
  await ui.close();
  await rm(dir, { recursive: true, force: true });
});

/** Waits for the store to reach a state (events travel over a real socket). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const s = () => store.getState();
const emails = () => s().accountList?.accounts.map((a) => `${a.email}${a.active ? ' (active)' : ''}`);

/** Signs in Ada, then adds Grace the way "Add account…" does: a sign-in while signed in. */
async function signInBoth(): Promise<void> {
  service.setStatus(statuses.signedIn(ADA, 0));
  await until(() => s().accountList?.accounts.length === 1, 'Ada in the list');
  service.nextSignIn = GRACE;
  await s().signIn();
  await until(() => s().status?.state === 'signingIn', 'the sign-in to start');
  await service['auth.openUrl'](
    { url: 'http://localhost:1455/auth/callback?code=good' },
    { transport: 'ipc' },
  );
  await until(() => s().accountList?.accounts.length === 2, 'Grace in the list');
}

describe('several accounts in the store', () => {
  it('starts with no accounts, then lists each sign-in with the newest one active', async () => {
    await until(() => s().accountList !== null, 'the first list');
    expect(s().accountList?.accounts).toEqual([]);
    await signInBoth();
    expect(emails()).toEqual(['ada@example.com', 'grace@example.com (active)']);
    expect(s().accountList?.activeAccountId).toBe(GRACE.accountId);
    expect(s().status?.account?.email).toBe(GRACE.email);
    expect(s().status?.otherAccounts).toBe(1);
  });

  it('switches to another account: the host is asked by account id and the status follows', async () => {
    await signInBoth();
    expect(await s().switchAccount(ADA.accountId)).toBe(true);
    expect(service.calls.filter((c) => c.method === 'accounts.switch').map((c) => c.params)).toEqual([
      { account: ADA.accountId },
    ]);
    await until(() => s().status?.account?.email === ADA.email, 'the status to name Ada');
    expect(emails()).toEqual(['ada@example.com (active)', 'grace@example.com']);
    // Choosing the account that is already active asks nothing.
    expect(await s().switchAccount(ADA.accountId)).toBe(true);
    expect(service.calls.filter((c) => c.method === 'accounts.switch')).toHaveLength(1);
  });

  it('signs one account out only after the confirmation, and the other stays', async () => {
    await signInBoth();
    s().askSignOutOf(ADA.accountId);
    expect(s().confirmSignOutOf).toBe(ADA.accountId);
    s().cancelSignOutOf();
    expect(s().confirmSignOutOf).toBeNull();
    expect(service.calls.some((c) => c.method === 'auth.logout')).toBe(false);

    s().askSignOutOf(ADA.accountId);
    expect(await s().signOutAccount(ADA.accountId)).toBe(true);
    expect(service.calls.find((c) => c.method === 'auth.logout')?.params).toEqual({ account: ADA.accountId });
    expect(s().confirmSignOutOf).toBeNull();
    expect(emails()).toEqual(['grace@example.com (active)']);
    expect(s().status?.account?.email).toBe(GRACE.email);

    // Signing out the active, last account leaves none and the signed-out view.
    await s().signOutAccount(GRACE.accountId);
    await until(() => s().status?.state === 'signedOut', 'signed out');
    expect(s().accountList?.accounts).toEqual([]);
  });

  it('turns auto-switch on and pins the active account, showing the new position before the host answers', async () => {
    await signInBoth();
    const flipping = s().setAutoSwitch(true);
    expect(s().accountList?.autoSwitch).toBe(true);
    expect(await flipping).toBe(true);
    expect(s().accountList?.autoSwitch).toBe(true);
    expect(await s().setPinned(true)).toBe(true);
    expect(s().accountList?.pinned).toBe(true);
    expect(
      service.calls.filter((c) => c.method.startsWith('accounts.set')).map((c) => [c.method, c.params]),
    ).toEqual([
      ['accounts.setAutoSwitch', { enabled: true }],
      ['accounts.setPinned', { pinned: true }],
    ]);
  });

  it('puts a switch back when the host refuses it, and says why', async () => {
    await signInBoth();
    service.failNext.set(
      'accounts.setAutoSwitch',
      new KeybridgeError('internal', 'The settings file is read-only.'),
    );
    const flipping = s().setAutoSwitch(true);
    expect(s().accountList?.autoSwitch).toBe(true);
    expect(await flipping).toBe(false);
    expect(s().accountList?.autoSwitch).toBe(false);
    expect(s().accountError?.message).toBe('The settings file is read-only.');
  });

  it('shows what the host refused, with its message naming the known accounts', async () => {
    await signInBoth();
    expect(await s().switchAccount('nobody@example.com')).toBe(false);
    expect(s().accountError?.message).toMatch(/ada@example\.com, grace@example\.com/);
    expect(s().accountList?.activeAccountId).toBe(GRACE.accountId);
    // The next action clears it.
    await s().switchAccount(ADA.accountId);
    expect(s().accountError).toBeNull();
  });

  it('follows usage pushed by the host, and keeps the last few usage notices until dismissed', async () => {
    await signInBoth();
    service.setAccountUsage(GRACE.accountId, {
      limitReached: true,
      windows: [
        { name: 'weekly', usedPercent: 100, resetsAt: new Date(Date.now() + 86_400_000).toISOString() },
      ],
      fetchedAt: new Date().toISOString(),
    });
    await until(
      () => s().accountList?.accounts.find((a) => a.active)?.usage?.limitReached === true,
      'the limited usage',
    );

    for (const percent of [80, 95, 96, 97]) {
      service.notice({
        kind: 'threshold',
        accountId: GRACE.accountId,
        email: GRACE.email,
        window: 'weekly',
        percent,
        message: `${percent}% of the weekly limit of grace@example.com is used.`,
      });
    }
    await until(() => s().notices.at(-1)?.percent === 97, 'the last notice');
    expect(s().notices.map((n) => n.percent)).toEqual([95, 96, 97]);
    expect(s().notices).toHaveLength(MAX_NOTICES);
    s().dismissNotice(s().notices[0]!.id);
    expect(s().notices.map((n) => n.percent)).toEqual([96, 97]);
  });
});
