/**
 * The data folder and the broker endpoint (docs/design.md "Provider profile") as pure functions with no
 * dependencies, so the `keybridge` CLI can find the broker without loading zod or the rest of the config code
 * (its cold start is benchmarked against a bare `node -e 0`). `config.ts` re-exports these.
 */
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

export type Env = Record<string, string | undefined>;

/** The data folder: `KEYBRIDGE_HOME`, else the platform's per-user app data folder. */
export function resolveHome(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.KEYBRIDGE_HOME) return env.KEYBRIDGE_HOME;
  const home = env.HOME ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Keybridge');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Keybridge');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'keybridge');
}

/** The broker endpoint, as docs/client.md "Broker protocol" gives it: the host listens here. */
export function resolveSocketPath(
  home: string,
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.KEYBRIDGE_SOCKET) return env.KEYBRIDGE_SOCKET;
  if (platform === 'win32') return `\\\\.\\pipe\\keybridge-${safeUserName()}`;
  if (platform === 'darwin') return join(home, 'broker.sock');
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'keybridge', 'broker.sock');
  return join(home, 'run', 'broker.sock');
}

/** True for a Windows named pipe path (`\\.\pipe\…` or `\\?\pipe\…`), which has no file or mode. */
export function isNamedPipe(path: string): boolean {
  return /^\\\\[.?]\\pipe\\/i.test(path);
}

function safeUserName(): string {
  try {
    return userInfo().username.replace(/[^A-Za-z0-9_.-]/g, '_');
  } catch {
    return 'user';
  }
}

/**
 * The broker endpoint as a client finds it: `KEYBRIDGE_SOCKET`, else the same key in the data folder's
 * `config.json` (the host's `loadConfig` reads it too), else the platform default. Never throws: a broken
 * config.json is the host's to report.
 */
export function resolveBrokerEndpoint(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.KEYBRIDGE_SOCKET) return env.KEYBRIDGE_SOCKET;
  const home = resolveHome(env, platform);
  try {
    const file = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {
      KEYBRIDGE_SOCKET?: unknown;
    };
    if (typeof file.KEYBRIDGE_SOCKET === 'string' && file.KEYBRIDGE_SOCKET !== '')
      return file.KEYBRIDGE_SOCKET;
  } catch {
    // No config file, or one the host will complain about: use the default.
  }
  return resolveSocketPath(home, env, platform);
}
