/**
 * The one way the desktop shell registers an IPC handler: `handle(channel, fn)` runs the sender check first
 * and answers a refusal without calling `fn`, so no handler can forget it (electron/shell/ipc-handle.test.ts
 * fails on any `ipcMain.handle` / `ipcMain.on` outside this file). The check: the message must come from
 * our window's main frame showing our page (Electron security checklist item 17, "validate the sender of
 * all IPC messages"). Imports Electron's types only, so it runs in plain Node too.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { InvokeEnvelope } from './ipc-dispatch';

export type IpcHandler = (event: IpcMainInvokeEvent, payload: unknown) => Promise<InvokeEnvelope>;

export interface IpcRegistry {
  /** Registers `fn` for `channel` behind the sender check. */
  handle(channel: string, fn: IpcHandler): void;
  /** Removes every handler this registry added. */
  dispose(): void;
}

export const REFUSED: InvokeEnvelope = {
  ok: false,
  error: { code: 'access_denied', message: 'This window is not allowed to talk to Keybridge.' },
};

export function createIpcRegistry(opts: {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  /** True when the event comes from our window's main frame showing our page. */
  trusted: (event: IpcMainInvokeEvent) => boolean;
  log: (line: string) => void;
}): IpcRegistry {
  const channels = new Set<string>();
  return {
    handle(channel, fn) {
      channels.add(channel);
      opts.ipcMain.handle(channel, async (event, payload: unknown) => {
        if (!opts.trusted(event)) {
          opts.log(`ipc: refused a message on ${channel} from an unknown frame`);
          return REFUSED;
        }
        return fn(event, payload);
      });
    },
    dispose() {
      for (const channel of channels) opts.ipcMain.removeHandler(channel);
      channels.clear();
    },
  };
}
