/**
 * No IPC handler can skip the sender check: every handler of electron/ is registered through
 * ipc-handle.ts, which refuses an untrusted sender before the handler runs.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { createIpcRegistry, REFUSED } from './ipc-handle';

const root = join(import.meta.dirname, '..', '..');

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

describe('IPC registration', () => {
  it('registers every main-process handler through ipc-handle.ts', async () => {
    const raw: string[] = [];
    for (const file of await sources(join(root, 'electron'))) {
      const rel = relative(root, file).replaceAll('\\', '/');
      if (rel === 'electron/shell/ipc-handle.ts') continue;
      const text = await readFile(file, 'utf8');
      // ipcMain.handle / handleOnce / on / once / addListener, also when ipcMain is passed on or renamed.
      if (/\bipcMain\s*\.\s*(handle|handleOnce|on|once|addListener|prependListener)\b/.test(text))
        raw.push(rel);
      if (/\bipcMain\s+as\s+\w+/.test(text)) raw.push(`${rel} (renames ipcMain)`);
    }
    expect(
      raw,
      'register IPC handlers with createIpcRegistry().handle (electron/shell/ipc-handle.ts)',
    ).toEqual([]);
  });

  it('refuses an untrusted sender without running the handler, and runs it for ours', async () => {
    const handlers = new Map<string, (event: IpcMainInvokeEvent, payload: unknown) => unknown>();
    const lines: string[] = [];
    const ran: unknown[] = [];
    const registry = createIpcRegistry({
      // The two methods of Electron's ipcMain the registry uses, kept in a Map as Electron does.
      ipcMain: {
        handle: (channel, fn) => void handlers.set(channel, fn),
        removeHandler: (channel) => void handlers.delete(channel),
      },
      trusted: (event) => event.sender.id === 1,
      log: (line) => lines.push(line),
    });
    registry.handle('keybridge:invoke', async (_event, payload) => {
      ran.push(payload);
      return { ok: true, result: 'answered' };
    });
    const invoke = handlers.get('keybridge:invoke')!;
    const from = (id: number) => ({ sender: { id } }) as unknown as IpcMainInvokeEvent;

    expect(await invoke(from(2), 'from a stranger')).toEqual(REFUSED);
    expect(ran).toEqual([]);
    expect(lines.join('\n')).toContain('refused');
    expect(await invoke(from(1), 'from our page')).toEqual({ ok: true, result: 'answered' });
    expect(ran).toEqual(['from our page']);

    registry.dispose();
    expect(handlers.size).toBe(0);
  });
});
