/**
 * The broker's socket file (docs/security.md "Broker approvals": the socket is the user's alone): its folder
 * private to the user, a stale socket left by a dead host removed (never a live one), and the bind done
 * under a umask that keeps it ours from the first moment.
 */
import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { homedir } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { KeybridgeError } from '../errors';
import { listening } from '../listening';

/**
 * The socket's folder: created 0700; an existing one we own is tightened to 0700 — unless it is a shared or
 * personal folder (sticky like /tmp, or the home folder) that a KEYBRIDGE_SOCKET override pointed into.
 */
export async function preparePrivateFolder(dir: string, log: (line: string) => void): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await stat(dir);
  if ((st.mode & 0o077) === 0) return;
  const uid = process.getuid?.();
  const ours = uid !== undefined && st.uid === uid;
  const shared = (st.mode & 0o1000) !== 0 || resolvePath(dir) === resolvePath(homedir());
  if (ours && !shared) {
    await chmod(dir, 0o700);
  } else {
    log(`broker: ${dir} is readable by others; the socket itself is 0600`);
  }
}

/**
 * A socket file left by a host that died is removed — but only after confirming nothing answers on it, so a
 * second host never steals a live host's endpoint.
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) {
    throw new KeybridgeError(
      'config_invalid',
      `${path} exists and is not a socket; Keybridge will not replace it. Remove it or set KEYBRIDGE_SOCKET to another path.`,
    );
  }
  if (await answers(path)) {
    throw new KeybridgeError(
      'host_already_running',
      `Another Keybridge host is already serving ${path}. Stop it first or set KEYBRIDGE_SOCKET to another path.`,
    );
  }
  await unlink(path);
}

/** True when something accepts connections on `path` (or when we cannot tell: then we must not remove it). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    const done = (alive: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(alive);
    };
    const timer = setTimeout(() => done(true), 1000);
    socket.once('connect', () => done(true));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(e.code !== 'ECONNREFUSED' && e.code !== 'ENOENT'),
    );
  });
}

/**
 * Listens with umask 0177 around the (synchronous) bind so the socket is never, even briefly, connectable by
 * others; the chmod after listen covers threads where the umask cannot be changed.
 */
export function listen(server: net.Server, path: string, restrictUmask: boolean): Promise<void> {
  return listening(server, () => {
    let previous: number | undefined;
    if (restrictUmask) {
      try {
        previous = process.umask(0o177);
      } catch {
        // Worker threads cannot change the umask.
      }
    }
    try {
      server.listen(path);
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
}
