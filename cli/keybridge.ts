/**
 * `keybridge`: the command-line client of the broker (README "CLI"). Messages go to stderr, data to
 * stdout; only `token` (and `token --json`) ever print a token. Kept light on purpose — `keybridge token`
 * must start within 1.3× of a bare `node -e 0` — so this file imports only the tiny broker client; `serve`
 * loads the host bundle with a dynamic import.
 *
 * Exit codes: 0 success, 1 error (host not running, failure), 2 usage, 4 not signed in, 130 interrupted.
 */
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BrokerCallError,
  openBroker,
  type PipelinedBrokerClient as BrokerClient,
} from '../core/broker/client';
import type { ModelList, Status } from '../core/api/protocol';
import { resolveBrokerEndpoint, type Env } from '../core/paths';
import { safeText } from '../core/text/safe-text';
import { VERSION } from '../core/version';
import { parseArgs, parseSeconds, USAGE, UsageError, type Command, type Parsed } from './args';
import { openBrowser } from './browser';
import { accountsCommand, logoutCommand, switchCommand, usageCommand } from './accounts';
import { codexCommand } from './codex';
import { codexSync } from './codex-sync';
import { loginWithDevice } from './login-device';
import { remoteSsh } from './remote-ssh';
import { deadlineFor, plainDeadlineMs } from './deadlines';
import { formatModelLines, formatModelNotes } from './models-format';
import { accountLabel, formatStatus, statusExitCode, terminalLines } from './format';
import { APPROVAL_PENDING, rpcExitCode, writeStdout } from './token-fast';

export { VERSION };

export const EXIT = { ok: 0, error: 1, usage: 2, notSignedIn: 4, interrupted: 130 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Env;
}

const processIo: Io = {
  out: (text) => writeStdout(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
};

export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let args: Parsed;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`keybridge: ${e.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    switch (args.command) {
      case 'help':
        io.out(USAGE);
        return EXIT.ok;
      case 'version':
        io.out(`keybridge ${VERSION}\n`);
        return EXIT.ok;
      case 'serve':
        return await serve(argv.slice(1));
      case 'exec':
        return await execCommand(args, io);
      case 'remote':
        return await remoteSsh(args.rest, io);
      default:
        return await withClient(io, (client) => commands[args.command as ClientCommand](client, args, io));
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`keybridge: ${e.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    return reportError(e, io);
  }
}

/** The commands that are one conversation with the broker; the others are dispatched above. */
type ClientCommand = Exclude<Command, 'help' | 'version' | 'serve' | 'exec' | 'remote'>;

/** `--account X` as the broker's `account` param. */
function accountParam(args: Parsed): { account?: string } {
  return typeof args.flags.account === 'string' ? { account: args.flags.account } : {};
}

const commands: Record<ClientCommand, (client: BrokerClient, args: Parsed, io: Io) => Promise<number>> = {
  async status(client, args, io) {
    const status = (await client.call('status.get')) as Status;
    if (args.flags.json) io.out(JSON.stringify(status, null, 2) + '\n');
    else io.out(terminalLines(formatStatus(status)));
    return statusExitCode(status);
  },

  async token(client, args, io) {
    const minTtlSeconds = parseSeconds(args.flags['min-ttl'], 'min-ttl');
    const params = { ...(minTtlSeconds === undefined ? {} : { minTtlSeconds }), ...accountParam(args) };
    const creds = (await client.call(
      'credentials.get',
      Object.keys(params).length === 0 ? undefined : params,
    )) as { accessToken: string };
    io.out(args.flags.json ? JSON.stringify(creds, null, 2) + '\n' : creds.accessToken + '\n');
    return EXIT.ok;
  },

  async login(client, args, io) {
    if (args.flags.device) return loginWithDevice(client, io);
    // The CLI opens the browser itself (or not, with --no-browser), so the host must not open one too.
    const { url } = (await client.call('auth.login', { noBrowser: true })) as { url: string };
    io.err('Open this URL to sign in:\n');
    io.out(url + '\n');
    if (!args.flags['no-browser']) {
      await openBrowser(url, (reason) =>
        io.err(`Could not open a browser (${reason}). Open the URL above yourself.\n`),
      );
    }
    const minutes = Math.round(deadlineFor('auth.wait', plainDeadlineMs(io.env)) / 60_000);
    io.err(`Waiting for the browser… (Ctrl+C to cancel) — at most ${minutes} minutes.\n`);
    let interrupted = false;
    const onSigint = () => {
      if (interrupted) process.exit(EXIT.interrupted);
      interrupted = true;
      io.err('\nCancelling the sign-in…\n');
      client.call('auth.cancel', undefined, { timeoutMs: 3000 }).catch(() => client.close());
    };
    process.on('SIGINT', onSigint);
    try {
      const status = (await client.call('auth.wait')) as Status;
      io.err(`Signed in as ${accountLabel(status)}\n`);
      return EXIT.ok;
    } catch (e) {
      if (interrupted) {
        io.err('Sign-in cancelled.\n');
        return EXIT.interrupted;
      }
      io.err(`Sign-in failed: ${errorMessage(e)}\n`);
      return EXIT.error;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },

  logout: logoutCommand,
  accounts: accountsCommand,
  switch: switchCommand,
  usage: usageCommand,

  async 'open-url'(client, args, io) {
    let status: Status;
    try {
      status = (await client.call('auth.openUrl', { url: args.positionals[0]! })) as Status;
    } catch (e) {
      io.err(errorMessage(e) + '\n');
      return EXIT.error;
    }
    if (statusExitCode(status) === EXIT.ok) {
      io.err(`Signed in as ${accountLabel(status)}\n`);
      return EXIT.ok;
    }
    io.err(
      safeText(status.lastError?.message ?? `Not signed in after that URL (state: ${status.state}).`) + '\n',
    );
    return EXIT.error;
  },

  async models(client, args, io) {
    const params = { ...(args.flags.refresh ? { refresh: true } : {}), ...accountParam(args) };
    const list = (await client.call(
      'models.list',
      Object.keys(params).length === 0 ? undefined : params,
    )) as ModelList;
    if (args.flags.json) io.out(JSON.stringify(list, null, 2) + '\n');
    else {
      io.out(terminalLines(formatModelLines(list)));
      io.err(terminalLines(formatModelNotes(list)));
    }
    // Nothing to show and the server could not be asked: that is a failure worth an exit code.
    return list.models.length === 0 && list.error ? EXIT.error : EXIT.ok;
  },

  codex: (client, args, io) =>
    args.positionals[0] === 'sync' ? codexSync(client, io) : codexCommand(client, args, io),

  async watch(client, _args, io) {
    const print = (status: unknown) => io.out(JSON.stringify({ event: 'status', status }) + '\n');
    client.onNotification((method, params) => {
      if (method === 'status.changed') print(params);
      if (method === 'credentials.changed' && params && typeof params === 'object') {
        // The token itself is never printed here (only `token` prints one): its hash names it.
        const { accessToken: _token, ...change } = params as { accessToken?: string };
        io.out(JSON.stringify({ event: 'credentials', ...change }) + '\n');
      }
    });
    await client.call('subscribe', { topics: ['status', 'credentials'] });
    print(await client.call('status.get'));
    return new Promise<number>((done) => {
      let stopped = false;
      // Ctrl+C is how a watch ends normally: exit 0.
      const onSigint = () => {
        stopped = true;
        process.off('SIGINT', onSigint);
        done(EXIT.ok);
        client.close();
      };
      process.on('SIGINT', onSigint);
      client.onClose(() => {
        if (stopped) return;
        process.off('SIGINT', onSigint);
        io.err('Keybridge stopped.\n');
        done(EXIT.error);
      });
    });
  },
};

async function withClient<T>(io: Io, fn: (client: BrokerClient) => Promise<T>): Promise<T> {
  // Pipelined: hello and the command's first call leave in one write, so `keybridge token` costs one round
  // trip (docs/design.md "Quality bars" start-up budget). A failed connection or hello surfaces from that
  // first call.
  const plain = plainDeadlineMs(io.env);
  const raw = openBroker(resolveBrokerEndpoint(io.env), {
    name: 'keybridge-cli',
    version: VERSION,
    pid: process.pid,
  });
  // Every call has a deadline (cli/deadlines.ts): longer for the ones that wait for the user.
  const client: BrokerClient = {
    ...raw,
    call: (method, params, opts) =>
      raw.call(method, params, {
        timeoutMs: opts?.timeoutMs ?? deadlineFor(method, plain),
      }),
  };
  // Policy `ask`: the first request waits for the user's answer in Keybridge; say so instead of hanging silently.
  client.onNotification((method) => {
    if (method === 'approval.pending') io.err(APPROVAL_PENDING);
  });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

async function execCommand(args: Parsed, io: Io): Promise<number> {
  const name = typeof args.flags.env === 'string' ? args.flags.env : 'OPENAI_ACCESS_TOKEN';
  const minTtlSeconds = parseSeconds(args.flags['min-ttl'], 'min-ttl');
  const params = { ...(minTtlSeconds === undefined ? {} : { minTtlSeconds }), ...accountParam(args) };
  const creds = (await withClient(io, (client) =>
    client.call('credentials.get', Object.keys(params).length === 0 ? undefined : params),
  )) as { accessToken: string; accountId: string | null };
  const { spawn } = await import('node:child_process');
  const [cmd, ...cmdArgs] = args.rest as [string, ...string[]];
  const env = { ...io.env, [name]: creds.accessToken, CHATGPT_ACCOUNT_ID: creds.accountId ?? '' };
  return new Promise((done) => {
    const child = spawn(cmd, cmdArgs, { stdio: 'inherit', env });
    // Signals meant for the command reach it; keybridge waits for it and answers with its exit code.
    const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const handlers = forwarded.map((signal) => {
      const handler = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      process.on(signal, handler);
      return [signal, handler] as const;
    });
    const finish = (code: number) => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      done(code);
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      io.err(`Cannot run ${cmd}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`);
      finish(127);
    });
    child.once('exit', (code, signal) => {
      // A command ended by a signal exits 128 + its number, as a shell reports it.
      if (code !== null) finish(code);
      else finish(128 + ((signal && osConstants.signals[signal]) || 1));
    });
  });
}

/** `keybridge serve`: the host bundle is loaded only here, so every other command stays light. */
async function serve(argv: readonly string[]): Promise<number> {
  const dir = typeof __dirname === 'string' ? __dirname : resolve('dist');
  const host = (await import(pathToFileURL(join(dir, 'host.mjs')).href)) as {
    serve(argv: readonly string[]): Promise<number>;
  };
  const code = await host.serve(argv);
  // The host has closed everything it opened; should a library still hold a handle, do not hang on it.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}

function reportError(e: unknown, io: Io): number {
  io.err(errorMessage(e) + '\n');
  return e instanceof BrokerCallError ? rpcExitCode(e.code, e.data) : EXIT.error;
}

/** Messages come from the host and may quote outside text: shown through the one escaper, never raw. */
function errorMessage(e: unknown): string {
  return safeText(e instanceof Error ? e.message : String(e));
}

/** The bin's entry: runs, then lets Node exit on its own so piped output is flushed. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  run(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`keybridge: unexpected error: ${errorMessage(e)}\n`);
      process.exitCode = EXIT.error;
    },
  );
}
