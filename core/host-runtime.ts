/**
 * How a host starts and stops, the same for the desktop app (electron/main.ts) and `keybridge serve`
 * (headless/serve.ts); each shell only adds its cipher and its transports.
 *
 * Order matters. Start: the host lock first (one host per data folder, or two refreshers would burn the
 * single-use refresh token, docs/security.md), then the core host (session, tools, Codex sharing), then the
 * broker: tools connect only once there is a session to ask. Stop, the other way round: stop answering tools,
 * then the session (its refresh timer), then free the data folder.
 */
import { acquireHostLock, type HostLock } from './broker/lock';
import { startBroker, type Broker } from './broker/server';
import type { KeybridgeConfig } from './config';
import { createHost, type Host, type HostOptions } from './host';
import type { Cipher } from './vault/types';

export interface HostRuntimeOptions {
  config: KeybridgeConfig;
  log: (line: string) => void;
  /** Bounds each stop step, so a hung close cannot trap a quitting app (the desktop: 3 s). None by default. */
  stopStepMs?: number;
}

export interface StartOptions {
  cipher: Cipher;
  defaultToolPolicy?: HostOptions['defaultToolPolicy'];
  /** Asked between steps: false once the shell began quitting, and the start stops where it is. */
  running?: () => boolean;
}

export class HostRuntime {
  private heldLock: HostLock | undefined;
  host: Host | undefined;
  broker: Broker | undefined;

  constructor(private readonly opts: HostRuntimeOptions) {}

  /** Step 1, before anything is asked of the user: throws `host_already_running` when another host has the folder. */
  async lock(): Promise<void> {
    const { home, socketPath } = this.opts.config;
    this.heldLock = await acquireHostLock(home, { socketPath });
  }

  /** Steps 2 and 3: the core host, then the broker. Resolves with the host, or undefined when `running` said stop. */
  async start(o: StartOptions): Promise<Host | undefined> {
    if (!this.heldLock) throw new Error('HostRuntime.start: take the host lock first.');
    const running = o.running ?? (() => true);
    const { config, log } = this.opts;
    const host = createHost({ config, cipher: o.cipher, log, defaultToolPolicy: o.defaultToolPolicy });
    this.host = host;
    await host.start();
    if (!running()) return undefined;
    this.broker = await startBroker({ socketPath: config.socketPath, service: host.service, log });
    log(`broker: listening on ${config.socketPath}`);
    return running() ? host : undefined;
  }

  /** Broker, host, lock: each step runs even when one before it failed. Safe to call twice, or after a failed start. */
  async stop(): Promise<void> {
    const { broker, host, heldLock } = this;
    this.broker = undefined;
    this.host = undefined;
    this.heldLock = undefined;
    await this.step(broker?.close(), 'broker');
    await this.step(host?.close(), 'host');
    await this.step(heldLock?.release(), 'host lock');
  }

  private step(work: Promise<unknown> | undefined, what: string): Promise<void> {
    if (!work) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const limit = this.opts.stopStepMs;
      const timer =
        limit === undefined
          ? undefined
          : setTimeout(() => {
              this.opts.log(`stop: ${what} did not finish in time`);
              resolve();
            }, limit);
      work.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (e: unknown) => {
          clearTimeout(timer);
          this.opts.log(`stop: ${what} failed: ${(e as Error)?.message ?? String(e)}`);
          resolve();
        },
      );
    });
  }
}
