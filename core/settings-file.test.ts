import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SettingsFile } from './settings-file';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'kb-settings-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const Selected = z.record(z.string(), z.string());

describe('SettingsFile', () => {
  it('keeps its keys across instances, leaves other features’ keys alone, and is private', async () => {
    await writeFile(join(home, 'settings.json'), JSON.stringify({ someoneElse: { keep: [1, 2] } }));
    const a = new SettingsFile(home);
    await a.load();
    await a.set('selectedModels', { 'acc-1': 'gpt-5.1' });
    const b = new SettingsFile(home);
    await b.load();
    expect(b.get('selectedModels', Selected)).toEqual({ 'acc-1': 'gpt-5.1' });
    expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'))).toEqual({
      someoneElse: { keep: [1, 2] },
      selectedModels: { 'acc-1': 'gpt-5.1' },
    });
    if (process.platform !== 'win32')
      expect((await stat(join(home, 'settings.json'))).mode & 0o777).toBe(0o600);
    await b.set('selectedModels', undefined);
    expect(new SettingsFile(home).get('selectedModels', Selected)).toBeUndefined();
    expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'))).toEqual({
      someoneElse: { keep: [1, 2] },
    });
  });

  it('ignores a value of the wrong shape instead of trusting it', async () => {
    await writeFile(join(home, 'settings.json'), JSON.stringify({ selectedModels: ['gpt-5.1'] }));
    const s = new SettingsFile(home);
    await s.load();
    expect(s.get('selectedModels', Selected)).toBeUndefined();
  });

  it('moves a damaged file aside and starts afresh rather than failing to start', async () => {
    await writeFile(join(home, 'settings.json'), '{"selectedModels": {"acc-1": ');
    const logs: string[] = [];
    const s = new SettingsFile(home, (l) => logs.push(l));
    await s.load();
    expect(s.get('selectedModels', Selected)).toBeUndefined();
    expect(logs.join('\n')).toMatch(/moved it to/);
    expect((await readdir(home)).some((n) => n.startsWith('settings.json.damaged-'))).toBe(true);
    await s.set('selectedModels', { 'acc-1': 'x' });
    expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'))).toEqual({
      selectedModels: { 'acc-1': 'x' },
    });
  });

  it('lets quick successive writes end with the last one', async () => {
    const s = new SettingsFile(home);
    await Promise.all(Array.from({ length: 15 }, (_, i) => s.set('n', i)));
    expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'))).toEqual({ n: 14 });
  });
});
