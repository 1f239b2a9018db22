/**
 * The browser's Bridge against the real web transport (startWebUi) over loopback, with the `ws` package as
 * the WebSocket (Node 20 has none built in; it keeps no cookies, so these runs use the link token only —
 * the cookie path is covered in Chromium by headless/web/browser.test.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Status } from '../../core/api/contract';
import { startWebUi, type WebUi } from '../../headless/web/index';
import { statuses, TestService } from '../../test/support/fake-service';
import type { ConnectionState } from './types';
import { backoffDelay, createWsBridge } from './ws-bridge';

let dir: string;
let service: TestService;
let ui: WebUi;
const bridges: Array<{ close(): void }> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-wsb-'));
  service = new TestService();
  ui = await startWebUi({ service, staticDir: dir });
});

afterEach(async () => {
  for (const b of bridges.splice(0)) b.close();
  await ui.close();
  await rm(dir, { recursive: true, force: true });
});

/** `ws` with the Origin a page of this server would send. */
function pageWebSocket(port: number): typeof globalThis.WebSocket {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { origin: `http://127.0.0.1:${port}` });
    }
  } as unknown as typeof globalThis.WebSocket;
}

function bridgeFor(token: string | null, opened: string[] = []) {
  const bridge = createWsBridge({
    url: `ws://127.0.0.1:${ui.port}/ws`,
    token,
    sessionUrl: `http://127.0.0.1:${ui.port}/api/session`,
    openWindow: (url) => opened.push(url),
    WebSocketImpl: pageWebSocket(ui.port),
    waitForOpenMs: 500,
  });
  bridges.push(bridge);
  const states: ConnectionState[] = [];
  bridge.onConnection((s) => states.push(s));
  return { bridge, states };
}

const linkToken = () => new URL(ui.url).hash.replace('#token=', '');
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('the WebSocket bridge', () => {
  it('calls the host, follows status events and opens the consent page in a new tab', async () => {
    const opened: string[] = [];
    const { bridge } = bridgeFor(linkToken(), opened);
    expect((await bridge.getStatus()).state).toBe('signedOut');
    const seen: Status[] = [];
    bridge.onStatus((s) => seen.push(s));
    service.setStatus(statuses.signedIn());
    await until(() => seen.length === 1);
    expect(seen[0]?.account?.email).toBe('ada@example.com');

    const result = await bridge.login();
    expect(result.url).toBe(service.authorizeUrl);
    expect(opened).toEqual([service.authorizeUrl]);
    expect(service.calls.find((c) => c.method === 'auth.login')?.params).toEqual({ noBrowser: true });
    bridge.reconnect(); // no-op while open
    expect(bridge.connectionState()).toBe('open');
  });

  it('rejects with the host’s error code and message', async () => {
    const { bridge } = bridgeFor(linkToken());
    await expect(
      bridge.openRedirectUrl('http://localhost:1455/auth/callback?code=old'),
    ).rejects.toMatchObject({
      name: 'BridgeError',
      code: 'state_mismatch',
      rpcCode: -32006,
      message: expect.stringContaining('earlier sign-in'),
    });
    await expect(bridge.openExternal('javascript:alert(1)')).rejects.toMatchObject({
      code: 'invalid_params',
    });
  });

  it('tells a spent link apart from a host that is down, and stops retrying', async () => {
    const first = bridgeFor(linkToken());
    await first.bridge.getStatus();
    const second = bridgeFor(linkToken()); // the same link, already exchanged, and no cookie
    await until(() => second.bridge.connectionState() === 'unauthorized');
    await expect(second.bridge.getStatus()).rejects.toMatchObject({ code: 'unauthorized' });

    // A fresh link opened in that tab works at once.
    second.bridge.useToken(new URL(ui.issueLink()).hash.replace('#token=', ''));
    expect((await second.bridge.getStatus()).state).toBe('signedOut');
  });

  it('reports reconnecting while the host is gone and fails calls instead of hanging', async () => {
    const { bridge, states } = bridgeFor(linkToken());
    await bridge.getStatus();
    await ui.close();
    await until(() => states.includes('reconnecting'));
    await expect(bridge.getStatus()).rejects.toMatchObject({ code: 'disconnected' });
  });
});

describe('backoffDelay', () => {
  it('doubles from a quarter second and stops at ten seconds, with jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, mid))).toEqual([250, 500, 1000, 2000]);
    expect(backoffDelay(20, mid)).toBe(10_000);
    expect(backoffDelay(0, () => 0)).toBe(188);
    expect(backoffDelay(0, () => 1)).toBe(313);
  });
});
