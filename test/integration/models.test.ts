/**
 * Models and usage end to end (issue #4), as a user and a tool see them: `keybridge serve` against the test
 * authorization server and the ChatGPT stand-in, a sign-in, then `keybridge models [--json]` and the broker's
 * `models.list`, `models.select`, `status.get` and `usage.get` — for a Plus and a Pro account.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker, type BrokerClient } from '../../core/broker/client';
import { startChatgptServer, type ChatgptServer } from '../support/chatgpt-server';
import { cli, makeHostEnv, removeHome, runCli, startHost, type HostEnv } from '../support/host';
import { signInOverHttp } from '../support/http-sign-in';
import { startOidcServer, type OidcServer } from '../support/oidc-server';

let oidc: OidcServer;
let chat: ChatgptServer;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  oidc = await startOidcServer({
    accounts: {
      'ada@example.com': { plan: 'plus', accountId: 'acc-ada' },
      'grace@example.com': { plan: 'pro', accountId: 'acc-grace' },
    },
  });
  chat = await startChatgptServer({ issuer: oidc.issuer });
});
afterAll(async () => {
  await chat?.close();
  await oidc?.close();
});
afterEach(async () => {
  await chat.setMode('online');
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

async function signedInHost(login: string) {
  const h = await makeHostEnv(oidc.issuer, oidc.clientId, { KEYBRIDGE_CHATGPT_BASE: chat.base });
  const running = await startHost(h);
  cleanups.push(() => removeHome(h));
  cleanups.push(() => running.stop());
  const run = runCli(h, ['login', '--no-browser']);
  const url = await run.waitForStdout(/^https?:\/\//);
  await signInOverHttp(url, login);
  expect((await run.done).code).toBe(0);
  return { h, running };
}

async function broker(h: HostEnv): Promise<BrokerClient> {
  const client = await connectBroker(h.socket, { name: 'models-test', version: '1' });
  cleanups.push(async () => client.close());
  return client;
}

const modelsJson = async (h: HostEnv) => {
  const r = await cli(h, 'models', '--json');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { models: Array<{ slug: string }>; selected: string | null };
};

describe('keybridge models and the broker agree', () => {
  it.each([
    ['ada@example.com', 'plus', ['gpt-5.1-codex', 'gpt-5.1', 'gpt-5.1-codex-mini']],
    [
      'grace@example.com',
      'pro',
      ['gpt-5.1-codex-max', 'gpt-5.1-codex', 'gpt-5.1', 'gpt-5.1-codex-mini', 'gpt-5-pro'],
    ],
  ])('%s (%s): models --json prints exactly the broker’s models.list', async (login, plan, slugs) => {
    const { h } = await signedInHost(login);
    const client = await broker(h);
    const fromBroker = await client.call('models.list');
    const fromCli = await modelsJson(h);
    expect(fromCli).toEqual(fromBroker);
    expect(fromCli.models.map((m) => m.slug)).toEqual(slugs);
    expect(fromBroker).toMatchObject({ selected: null, planType: plan, stale: false, source: 'server' });

    const human = await cli(h, 'models');
    expect(human.code).toBe(0);
    expect(human.stdout.trimEnd().split('\n')).toHaveLength(slugs.length);
    expect(human.stdout.split('\n')[0]).toMatch(new RegExp(`^  ${slugs[0]!.replace(/\./g, '\\.')}\\s+GPT-`));
    expect(human.stderr).toMatch(
      new RegExp(`Plan: ${plan === 'pro' ? 'Pro' : 'Plus'} · ${slugs.length} models`),
    );
    expect(human.stderr).toMatch(/No default model selected/);
  });

  it('models.select is reported by status.get, models --json, the human list and the status line', async () => {
    const { h } = await signedInHost('ada@example.com');
    const client = await broker(h);
    const notified: unknown[] = [];
    client.onNotification((method, params) => {
      if (method === 'status.changed') notified.push(params);
    });
    await client.call('subscribe', { topics: ['status'] });

    const picked = (await client.call('models.select', { slug: 'gpt-5.1' })) as { selected: string };
    expect(picked.selected).toBe('gpt-5.1');
    expect(await client.call('status.get')).toMatchObject({ state: 'signedIn', selectedModel: 'gpt-5.1' });
    await expect.poll(() => notified.length).toBeGreaterThan(0);
    expect(notified.at(-1)).toMatchObject({ selectedModel: 'gpt-5.1' });

    expect((await modelsJson(h)).selected).toBe('gpt-5.1');
    const human = await cli(h, 'models');
    expect(human.stdout).toMatch(/^\* gpt-5\.1 +GPT-5\.1$/m);
    expect(human.stdout.match(/^\*/gm)).toHaveLength(1);
    expect((await cli(h, 'status')).stdout).toMatch(/Default model: gpt-5\.1/);

    // A model the plan does not offer is refused with invalid params (-32602), naming the choices.
    const refused = await client.call('models.select', { slug: 'gpt-5-pro' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: -32602 });
    expect((refused as Error).message).toMatch(/gpt-5\.1-codex, gpt-5\.1, gpt-5\.1-codex-mini/);

    // Persisted in the data folder, without any token.
    const settings = await readFile(join(h.home, 'settings.json'), 'utf8');
    expect(JSON.parse(settings)).toEqual({ selectedModels: { 'acc-ada': 'gpt-5.1' } });
  });

  it('keeps the selection across a host restart', async () => {
    const { h, running } = await signedInHost('ada@example.com');
    await (await broker(h)).call('models.select', { slug: 'gpt-5.1-codex-mini' });
    await running.stop();
    const again = await startHost(h);
    cleanups.push(() => again.stop());
    expect(JSON.parse((await cli(h, 'status', '--json')).stdout).selectedModel).toBe('gpt-5.1-codex-mini');
    expect((await modelsJson(h)).selected).toBe('gpt-5.1-codex-mini');
  });

  it('usage.get gives each plan its windows', async () => {
    const ada = await signedInHost('ada@example.com');
    const usage = (await (await broker(ada.h)).call('usage.get')) as {
      primary: { usedPercent: number; windowSeconds: number; resetsAt: string };
      secondary: { usedPercent: number };
    };
    expect(usage.primary).toMatchObject({ usedPercent: 42, windowSeconds: 18_000 });
    expect(usage.secondary.usedPercent).toBe(17);
    expect(Date.parse(usage.primary.resetsAt)).toBeGreaterThan(Date.now() + 2 * 3_600_000);
  });

  it('when nobody is signed in, models says so with exit 4', async () => {
    const h = await makeHostEnv(oidc.issuer, oidc.clientId, { KEYBRIDGE_CHATGPT_BASE: chat.base });
    const running = await startHost(h);
    cleanups.push(() => removeHome(h));
    cleanups.push(() => running.stop());
    const r = await cli(h, 'models');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/Not signed in/);
  });

  it('with ChatGPT failing and nothing saved, models says why and exits 1', async () => {
    await chat.setMode('error');
    const { h } = await signedInHost('ada@example.com');
    const r = await cli(h, 'models');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/HTTP 500/);
  });
});
