/**
 * The contract over Electron IPC (renderer ↔ main). One invoke channel for every granted method, one for
 * opening links in the browser, one event channel for status. Every handler is registered through
 * ipc-handle.ts, which checks the sender (our window's main frame showing our page) before it runs; then
 * ipc-dispatch.ts passes the call through the renderer gate (method grant, params and result schemas).
 */
import { ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import { ipcChannels } from '../../core/api/protocol';
import type { CallContext, Service } from '../../core/api/service';
import { redact } from '../../core/errors';
import { isAllowedExternalUrl } from './external-links';
import { dispatchRendererCall, eventForRenderer, statusForRenderer } from './ipc-dispatch';
import { createIpcRegistry } from './ipc-handle';
import type { AppWindow } from './popover';

const CTX: CallContext = { transport: 'ipc' };

export interface IpcOptions {
  service: Service;
  appWindow: () => AppWindow | undefined;
  log: (line: string) => void;
}

export function registerIpc(opts: IpcOptions): () => void {
  const ipc = createIpcRegistry({
    ipcMain,
    log: opts.log,
    trusted: (event: IpcMainInvokeEvent): boolean => {
      const w = opts.appWindow();
      return (
        w !== undefined &&
        !w.window.isDestroyed() &&
        event.sender.id === w.window.webContents.id &&
        w.isOwnMainFrame(event.senderFrame)
      );
    },
  });

  ipc.handle(ipcChannels.invoke, (_event, payload) =>
    dispatchRendererCall(opts.service, payload, CTX, opts.log),
  );

  ipc.handle(ipcChannels.openExternal, async (_event, url) => {
    if (typeof url !== 'string')
      return { ok: false, error: { code: 'invalid_params', message: 'A link is needed.' } };
    const status = await opts.service['status.get'](undefined, CTX);
    if (!isAllowedExternalUrl(url, status.signIn?.url)) {
      opts.log('ipc: refused to open a link outside the allowlist');
      return {
        ok: false,
        error: {
          code: 'link_not_allowed',
          message: 'Keybridge opens only the sign-in page and its help pages.',
        },
      };
    }
    try {
      await shell.openExternal(url);
      return { ok: true, result: null };
    } catch (e) {
      return {
        ok: false,
        error: {
          code: 'open_failed',
          message: redact(
            `The browser could not be opened (${(e as Error).message}). Use “Copy link” instead.`,
          ),
        },
      };
    }
  });

  const unsubscribe = opts.service.onStatus((status) => {
    const w = opts.appWindow();
    if (!w || w.window.isDestroyed()) return;
    const contents = w.window.webContents;
    // Only to our page: while it loads (or after a failed load) the frame shows nothing of ours yet, and the
    // page asks for the status itself once it runs.
    if (!w.isOwnMainFrame(contents.mainFrame)) return;
    const safe = statusForRenderer(status);
    if (safe) contents.send(ipcChannels.status, safe);
  });

  const unsubscribeEvents = opts.service.onEvent?.((e) => {
    const w = opts.appWindow();
    if (!w || w.window.isDestroyed()) return;
    const contents = w.window.webContents;
    if (!w.isOwnMainFrame(contents.mainFrame)) return;
    const safe = eventForRenderer(e.name, e.payload);
    if (safe) contents.send(ipcChannels.event, safe);
  });

  return () => {
    unsubscribe();
    unsubscribeEvents?.();
    ipc.dispose();
  };
}
