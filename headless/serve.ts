/**
 * `keybridge serve`: the headless host (docs/design.md "Layout"). The same core as the desktop app, with a
 * Node cipher and the broker; bundled to dist/host.mjs and loaded by the CLI only for this command.
 *
 * The lock → host → broker order and the shutdown are core/host-runtime.ts's, shared with the desktop app;
 * this adds the host log, a Node cipher and the optional browser UI.
 */
import { loadConfig, type KeybridgeConfig } from '../core/config';
import { isKeybridgeError, redact } from '../core/errors';
import { HostRuntime } from '../core/host-runtime';
import { safeText } from '../core/text/safe-text';
import type { Env } from '../core/paths';
import { selectNodeCipher } from '../core/vault/select-cipher';
import { createHostLog, type HostLog } from './log';
import { startUi as defaultStartUi, type UiHandle, type UiStarter } from './ui';

export type { UiHandle, UiOptions, UiStarter } from './ui';

export interface ServeOptions {
  env?: Env;
  /** What `--ui` starts; defaults to the web transport's starter from ./ui. */
  startUi?: UiStarter;
  stderr?: (text: string) => void;
  /** Resolves to stop the host (tests); by default SIGINT or SIGTERM does. */
  stop?: Promise<unknown>;
  /** Called once the broker listens (tests). */
  onReady?: (info: { socketPath: string; home: string; uiUrl?: string }) => void;
}

interface ServeFlags {
  ui: boolean;
  port?: number;
}

export class ServeUsageError extends Error {}

export function parseServeArgs(argv: readonly string[]): ServeFlags {
  const flags: ServeFlags = { ui: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--ui') flags.ui = true;
    else if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? argv[++i] : arg.slice('--port='.length);
      const port = value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(port >= 1 && port <= 65535))
        throw new ServeUsageError('--port must be a port number from 1 to 65535.');
      flags.port = port;
    } else throw new ServeUsageError(`Unknown option for serve: ${arg}`);
  }
  if (flags.port !== undefined && !flags.ui)
    throw new ServeUsageError('--port is the port of the UI: use it with --ui.');
  return flags;
}

/** Runs the host until SIGINT/SIGTERM (or `opts.stop`); resolves with the exit code. */
export async function serve(argv: readonly string[], opts: ServeOptions = {}): Promise<number> {
  const stderr = opts.stderr ?? ((text: string) => void process.stderr.write(text));
  const say = (line: string) => stderr(redact(line) + '\n');

  let flags: ServeFlags;
  try {
    flags = parseServeArgs(argv);
  } catch (e) {
    say(`keybridge serve: ${(e as Error).message}`);
    return 2;
  }

  let config: KeybridgeConfig;
  try {
    config = loadConfig(opts.env ?? process.env);
  } catch (e) {
    say(isKeybridgeError(e) ? e.message : `Cannot read the Keybridge configuration: ${(e as Error).message}`);
    return 1;
  }

  let hostLog: HostLog | undefined;
  const runtime = new HostRuntime({ config, log: (line) => hostLog?.log(line) });
  try {
    await runtime.lock();
  } catch (e) {
    say(isKeybridgeError(e) ? e.message : `Cannot lock ${config.home}: ${(e as Error).message}`);
    return 1;
  }

  let ui: UiHandle | undefined;
  // A stray rejection somewhere in the core must not take every tool's credentials down with it: log it.
  const onRejection = (reason: unknown) =>
    hostLog?.log(
      `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  process.on('unhandledRejection', onRejection);

  const shutdown = async () => {
    await ui?.close().catch(() => {});
    await runtime.stop();
    hostLog?.close();
    process.off('unhandledRejection', onRejection);
  };

  try {
    // Made once the lock is held: a second host must not write into the running one's log.
    hostLog = createHostLog(config.home, { stderr });
    const log = hostLog.log;
    const cipher = await selectNodeCipher(config.home, { env: opts.env ?? process.env, log });
    const host = (await runtime.start({ cipher }))!;
    // Usage alerts and automatic switches (docs/accounts.md): the terminal is this host's notification area.
    // Emails come from the server: control characters are shown escaped, never interpreted by the terminal.
    host.accounts.onNotice((notice) => {
      // A terminal line is read later: the reset time stays absolute here.
      const resets =
        notice.kind === 'allLimited' && notice.resetsAt
          ? ` The first limit resets at ${notice.resetsAt}.`
          : '';
      const line = `Keybridge: ${safeText(notice.message + resets)}`;
      say(line);
      hostLog?.toFile(line);
    });

    if (flags.ui) {
      ui = await (opts.startUi ?? defaultStartUi)({ host, config, port: flags.port, log });
    }

    const ready = `Keybridge host serving ${config.socketPath} (data: ${config.home}, storage: ${cipher.info.description})`;
    say(ready);
    hostLog.toFile(ready);
    // Not redacted and not logged to the file: the link carries a one-time token meant for this terminal.
    if (ui) stderr(`Open the Keybridge UI: ${ui.url}\n`);
    opts.onReady?.({ socketPath: config.socketPath, home: config.home, uiUrl: ui?.url });
  } catch (e) {
    say(`Keybridge could not start: ${isKeybridgeError(e) ? e.message : (e as Error).message}`);
    hostLog?.log(`start failed: ${(e as Error).message}`);
    await shutdown();
    return 1;
  }

  await (opts.stop ?? untilSignal(() => say('Stopping again: exiting now.')));
  hostLog?.log('stopping');
  await shutdown();
  return 0;
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once (a hung close must not trap the user). */
function untilSignal(onForce: () => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        onForce();
        process.exit(1);
      }
      stopping = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
