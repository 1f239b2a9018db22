/**
 * A server's `listen` as a promise: resolves on 'listening', rejects with the bind's error (EADDRINUSE,
 * EACCES…), and leaves no listener of either behind. Node's listen callback only covers success.
 */
import type { Server } from 'node:net';

export function listening(server: Server, bind: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    bind();
  });
}
