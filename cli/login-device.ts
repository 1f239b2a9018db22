/**
 * `keybridge login --device` (docs/remote.md "Sign in with a code"): for a machine no browser redirect can
 * reach. The host asks the issuer for a code; this prints the page and the code, counts down on a terminal
 * while the host polls, and exits 0 once signed in. Ctrl+C cancels the attempt at the host.
 */
import type { PipelinedBrokerClient as BrokerClient } from '../core/broker/client';
import type { Status } from '../core/api/protocol';
import { accountLabel, terminalLines } from './format';

interface Out {
  out(text: string): void;
  err(text: string): void;
}

export interface DeviceLoginView {
  verificationUrl: string;
  userCode: string;
  expiresAt: string;
}

/** Exit codes as cli/keybridge.ts: 0 signed in, 1 failed (or device sign-in is off), 130 interrupted. */
export async function loginWithDevice(
  client: BrokerClient,
  io: Out,
  tty: { isTTY?: boolean; columns?: number } = process.stderr,
): Promise<number> {
  let started: DeviceLoginView;
  try {
    started = (await client.call('auth.login', { method: 'device' })) as DeviceLoginView;
  } catch (e) {
    // 404 at the first step: device_auth_disabled, whose message says where to turn it on.
    io.err(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  let ticker: NodeJS.Timeout | undefined;
  const clearLine = () => {
    if (ticker) {
      clearInterval(ticker);
      ticker = undefined;
      io.err('\n');
    }
  };
  // Ready for Ctrl+C before the code is on screen: whoever reads it may cancel at once.
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    clearLine();
    io.err('Cancelling the sign-in…\n');
    client.call('auth.cancel', undefined, { timeoutMs: 3000 }).catch(() => client.close());
  };
  process.on('SIGINT', onSigint);
  io.err('To sign in, open this page on any device:\n');
  io.out(terminalLines([started.verificationUrl]));
  io.err('and enter this code:\n');
  io.out(terminalLines([started.userCode]));
  io.err('Device codes are a common phishing target: never give this code to anyone.\n');

  const expiresAt = Date.parse(started.expiresAt);
  if (tty.isTTY) {
    const draw = () => {
      const left = Math.max(0, expiresAt - Date.now());
      const m = Math.floor(left / 60_000);
      const s = Math.floor((left % 60_000) / 1000);
      io.err(`\rWaiting for the code… expires in ${m}:${String(s).padStart(2, '0')} (Ctrl+C to cancel) `);
    };
    draw();
    ticker = setInterval(draw, 1000);
  } else {
    io.err(`Waiting for the code (it expires at ${new Date(expiresAt).toLocaleTimeString()})…\n`);
  }

  try {
    const status = (await client.call('auth.wait')) as Status;
    clearLine();
    io.err(`Signed in as ${accountLabel(status)}\n`);
    return 0;
  } catch (e) {
    clearLine();
    if (interrupted) {
      io.err('Sign-in cancelled.\n');
      return 130;
    }
    io.err(`Sign-in failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
