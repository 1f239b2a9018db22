/**
 * The contract over Electron IPC (renderer ↔ main). One invoke channel for every granted method, one for
 * opening links in the browser, one event channel for status. Every message is checked here, in one place:
 * the sender must be our window's main frame showing our page; then ipc-dispatch.ts checks the method
 * grant and the params and result schemas.
 */
import { ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import { ipcChannels } from '../../core/api/bridge';
import type { CallContext, Service } from '../../core/api/service';
import { redact } from '../../core/errors';
import { isAllowedExternalUrl } from './external-links';
import {
  dispatchRendererCall,
  eventForRenderer,
  statusForRenderer,
  type InvokeEnvelope,
} from './ipc-dispatch';
import type { AppWindow } from './popover';

const CTX: CallContext = { transport: 'ipc' };

export interface IpcOptions {
  service: Service;
  appWindow: () => AppWindow | undefined;
  log: (line: string) => void;
}

const refused: InvokeEnvelope = {
  ok: false,
  error: { code: 'access_denied', message: 'This window is not allowed to talk to Keybridge.' },
};

export function registerIpc(opts: IpcOptions): () => void {
  /** The one sender check: every handler below starts with it. */
  const trusted = (event: IpcMainInvokeEvent): boolean => {
    const w = opts.appWindow();
    const ok =
      w !== undefined &&
      !w.window.isDestroyed() &&
      event.sender.id === w.window.webContents.id &&
      w.isOwnMainFrame(event.senderFrame);
    if (!ok) opts.log('ipc: refused a message from an unknown frame');
    return ok;
  };

  ipcMain.handle(ipcChannels.invoke, async (event, payload: unknown): Promise<InvokeEnvelope> => {
    if (!trusted(event)) return refused;
    return dispatchRendererCall(opts.service, payload, CTX, opts.log);
  });

  ipcMain.handle(ipcChannels.openExternal, async (event, url: unknown): Promise<InvokeEnvelope> => {
    if (!trusted(event)) return refused;
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
    ipcMain.removeHandler(ipcChannels.invoke);
    ipcMain.removeHandler(ipcChannels.openExternal);
  };
}
