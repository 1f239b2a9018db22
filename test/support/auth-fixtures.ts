/** Small fixtures for tests that sign in against test/support/oidc-server: provider profile, JWT reading, ports. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OPENAI_DEFAULTS, type ProviderConfig } from '../../core/config';
import type { KeybridgeError } from '../../core/errors';

export function providerFor(
  issuer: string,
  clientId: string,
  overrides: Partial<ProviderConfig> = {},
): ProviderConfig {
  return {
    issuer,
    discover: true,
    clientId,
    scope: OPENAI_DEFAULTS.scope,
    extraAuthorizeParams: { ...OPENAI_DEFAULTS.extraAuthorizeParams },
    redirect: 'loopback',
    loopbackPorts: [0],
    chatgptBase: 'http://127.0.0.1:9',
    ...overrides,
  };
}

/** Decodes a JWT's payload (no verification: the tests only read what the server put in). */
export function jwtPayload(jwt: string | undefined): Record<string, unknown> {
  const part = jwt?.split('.')[1];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Holds a loopback port, like another program (Codex CLI) would. */
export async function occupyPort(
  port = 0,
): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.end('someone else'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const held = await occupyPort(0);
  await held.close();
  return held.port;
}

/** Resolves true when `port` on 127.0.0.1 can be bound right now (i.e. nothing listens on it). */
export async function portIsFree(port: number): Promise<boolean> {
  try {
    const held = await occupyPort(port);
    await held.close();
    return true;
  } catch {
    return false;
  }
}

/** The KeybridgeError a promise rejects with; fails the test when it resolves. */
export const rejection = async (p: Promise<unknown>): Promise<KeybridgeError> => {
  try {
    await p;
  } catch (e) {
    return e as KeybridgeError;
  }
  throw new Error('expected a rejection');
};
