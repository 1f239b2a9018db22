/**
 * Loaded with `node --require` before dist/electron/main.cjs (bundled by harness.ts): makes
 * `require('electron')` answer with the stand-in (electron.ts), marks the process as Electron's default app
 * running an app folder, makes the app "ready" once the main script has run, and answers the test's
 * commands over the fork() IPC channel. The messages are checked with zod: they cross a process boundary.
 */
import Module from 'node:module';
import { z } from 'zod';
import {
  app,
  BrowserWindow,
  electronStandIn,
  StandInFrame,
  StandInWebContents,
  world,
  type StandInMenuItem,
  type Tray,
} from './electron';

const ELECTRON_ID = '\0electron-stand-in';
type Resolve = (request: string, ...rest: unknown[]) => string;
const mod = Module as unknown as { _resolveFilename: Resolve; _cache: Record<string, unknown> };
const resolveFilename = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'electron' ? ELECTRON_ID : resolveFilename.call(this, request, ...rest);
};
mod._cache[ELECTRON_ID] = { id: ELECTRON_ID, filename: ELECTRON_ID, loaded: true, exports: electronStandIn };

// What Electron's default app sets when started as `electron APP_FOLDER`.
Object.assign(process, { defaultApp: true, type: 'browser' });

setImmediate(() => app.becomeReady());

const Command = z.discriminatedUnion('op', [
  z.object({ op: z.literal('snapshot') }),
  z.object({ op: z.literal('trayClick') }),
  z.object({ op: z.literal('menuClick'), label: z.string() }),
  z.object({ op: z.literal('answerDialog'), response: z.number().int() }),
  z.object({
    op: z.literal('invoke'),
    channel: z.string(),
    args: z.array(z.unknown()),
    /** `app`: the app window's main frame; `subframe`: a frame inside it; `other`: another web contents. */
    from: z.enum(['app', 'subframe', 'other']),
  }),
  /** What the app's window does when its page tries to go to `url`: navigate, or open a new window. */
  z.object({ op: z.literal('navigate'), url: z.string() }),
  z.object({ op: z.literal('windowOpen'), url: z.string() }),
  /** Asks the session's permission request handler, as Chromium would for the app's window. */
  z.object({ op: z.literal('permission'), permission: z.string(), requestingUrl: z.string() }),
  z.object({ op: z.literal('quit') }),
]);
const Envelope = z.object({ id: z.number(), command: Command });
export type StandInCommand = z.infer<typeof Command>;

function liveTray(): Tray | undefined {
  return world.trays.filter((t) => !t.isDestroyed()).at(-1);
}

function snapshot() {
  const tray = liveTray();
  return {
    ready: world.ready,
    sandboxEnabled: world.sandboxEnabled,
    privilegedSchemes: world.privilegedSchemes,
    protocolClients: world.protocolClients,
    tray: tray && {
      iconSha256: tray.image.sha256,
      toolTip: tray.toolTip,
      menu: (tray.contextMenu?.items ?? []).map((i) => ({
        label: i.label,
        type: i.type,
        enabled: i.enabled,
        checked: i.checked,
      })),
    },
    windows: world.windows.map((w) => ({
      visible: w.isVisible(),
      destroyed: w.isDestroyed(),
      url: w.webContents.mainFrame.url,
      pageLoads: w.pageLoads,
      webPreferences: w.options.webPreferences ?? {},
      sentChannels: w.webContents.sent.map((s) => s.channel),
    })),
    dialogs: world.dialogs.map(({ id, type, message, detail, buttons, answered }) => ({
      id,
      type,
      message,
      detail,
      buttons,
      answered,
    })),
    errorBoxes: world.errorBoxes,
    opened: world.opened,
    ipcChannels: [...world.handlers.keys()],
  };
}
export type StandInSnapshot = ReturnType<typeof snapshot>;

async function run(command: StandInCommand): Promise<unknown> {
  switch (command.op) {
    case 'snapshot':
      return snapshot();
    case 'trayClick': {
      const tray = liveTray();
      if (!tray) throw new Error('there is no tray');
      tray.emit('click', { preventDefault() {} }, tray.getBounds(), { x: 0, y: 0 });
      return null;
    }
    case 'menuClick': {
      const item = liveTray()?.contextMenu?.items.find((i) => i.label === command.label) as
        StandInMenuItem | undefined;
      if (!item) throw new Error(`the tray menu has no "${command.label}"`);
      if (!item.enabled) throw new Error(`"${command.label}" is disabled`);
      // Electron flips a checkbox before calling its click handler.
      if (item.type === 'checkbox') item.checked = !item.checked;
      item.click?.(item as never, undefined, {} as never);
      return null;
    }
    case 'answerDialog': {
      const open = world.dialogs.find((d) => d.answered === undefined);
      if (!open) throw new Error('no dialog is open');
      open.answered = command.response;
      open.resolve(command.response);
      return null;
    }
    case 'invoke': {
      const handler = world.handlers.get(command.channel);
      if (!handler) throw new Error(`nothing handles ${command.channel}`);
      const win = BrowserWindow.getAllWindows()[0];
      if (!win) throw new Error('there is no window');
      const own = win.webContents;
      const sender = command.from === 'other' ? new StandInWebContents('https://example.com/') : own;
      const senderFrame =
        command.from === 'subframe'
          ? new StandInFrame(own.mainFrame.processId, 7, own.mainFrame.url, own.mainFrame)
          : sender.mainFrame;
      return await handler({ sender, senderFrame, processId: senderFrame.processId }, ...command.args);
    }
    case 'navigate': {
      const win = BrowserWindow.getAllWindows()[0];
      if (!win) throw new Error('there is no window');
      let prevented = false;
      win.webContents.emit('will-navigate', { url: command.url, preventDefault: () => (prevented = true) });
      return { prevented };
    }
    case 'windowOpen': {
      const handler = BrowserWindow.getAllWindows()[0]?.webContents.windowOpenHandler;
      if (!handler) throw new Error('no window-open handler is set');
      const answer = handler({ url: command.url } as never);
      return { action: answer.action };
    }
    case 'permission': {
      const handler = world.permissionRequestHandler as
        ((wc: unknown, permission: string, cb: (ok: boolean) => void, details: unknown) => void) | undefined;
      if (!handler) throw new Error('no permission request handler is set');
      const own = BrowserWindow.getAllWindows()[0]?.webContents;
      return await new Promise<boolean>((resolve) =>
        handler(own, command.permission, resolve, { requestingUrl: command.requestingUrl }),
      );
    }
    case 'quit':
      app.quit();
      return null;
  }
}

process.on('message', (raw) => {
  const parsed = Envelope.safeParse(raw);
  if (!parsed.success) {
    process.send?.({ id: -1, ok: false, error: `bad command: ${parsed.error.message}` });
    return;
  }
  const { id, command } = parsed.data;
  run(command).then(
    (result) => process.send?.({ id, ok: true, result }),
    (e: unknown) => process.send?.({ id, ok: false, error: (e as Error).message }),
  );
});
// The IPC channel must not keep an app alive that Electron would have let quit.
process.channel?.unref();
