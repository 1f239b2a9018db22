/**
 * The renderer's JavaScript as shipped (dist/renderer, built by vite), gzipped: under 90 KB is one of the
 * goals of docs/design.md "Quality bars".
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './lib.mjs';

const BUDGET = 90 * 1024;

export function benchRendererSize() {
  const dir = join(ROOT, 'dist', 'renderer');
  let raw = 0;
  let gz = 0;
  let files = 0;
  const walk = (folder) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.m?js$/.test(name)) {
        const body = readFileSync(path);
        raw += body.length;
        gz += gzipSync(body, { level: 9 }).length;
        files += 1;
      }
    }
  };
  walk(dir);
  if (files === 0) throw new Error('no renderer build in dist/renderer: run `vite build` first');
  return [
    {
      figure: `renderer JS, gzipped (${files} file${files === 1 ? '' : 's'})`,
      measured: `${(gz / 1024).toFixed(1)} KB`,
      baseline: `${(raw / 1024).toFixed(1)} KB raw`,
      goal: '< 90 KB',
      pass: gz < BUDGET,
    },
  ];
}
