/**
 * The desktop log: stderr plus a small file in the app's log folder, every line redacted (no token ever
 * reaches a log, docs/design.md "Quality bars"). The file is rotated at 1 MiB so it cannot grow without
 * bound.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from '../../core/errors';

const MAX_BYTES = 1024 * 1024;

export function createLog(dir: string | undefined): (line: string) => void {
  const file = dir ? join(dir, 'keybridge.log') : undefined;
  if (dir) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      // Logging to stderr only.
    }
  }
  return (line: string) => {
    const text = `${new Date().toISOString()} ${redact(line)}\n`;
    process.stderr.write(text);
    if (!file) return;
    try {
      if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > MAX_BYTES) renameSync(file, `${file}.1`);
      appendFileSync(file, text, { mode: 0o600 });
    } catch {
      // A full disk or a read-only folder must not stop the app.
    }
  };
}
