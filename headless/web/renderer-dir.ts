/**
 * Where the built renderer is. Bundled, the host runs from dist/host.mjs and the renderer sits beside it in
 * dist/renderer; from source (tests, tsx) it is <repo>/dist/renderer. Walks up from `from` and takes the
 * first that has an index.html, else names <package root>/dist/renderer (the server then says how to build it).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findRendererDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let packageRoot: string | undefined;
  for (let dir = from; ; dir = dirname(dir)) {
    if (basename(dir) === 'dist' && existsSync(join(dir, 'renderer', 'index.html')))
      return join(dir, 'renderer');
    if (existsSync(join(dir, 'dist', 'renderer', 'index.html'))) return join(dir, 'dist', 'renderer');
    if (!packageRoot && existsSync(join(dir, 'package.json'))) packageRoot = dir;
    if (dirname(dir) === dir) break;
  }
  return join(packageRoot ?? from, 'dist', 'renderer');
}
