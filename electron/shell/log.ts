/**
 * The desktop log: stderr plus `keybridge.log` in the app's log folder — the same capped, rotating,
 * redacted, escaped and rate-limited log as the headless host (core/log/line-log.ts; no token ever reaches
 * a log, docs/design.md "Quality bars"). Capped smaller: the desktop app logs little.
 */
import { join } from 'node:path';
import { createLineLog } from '../../core/log/line-log';

const MAX_BYTES = 1024 * 1024;

export function createLog(dir: string | undefined): (line: string) => void {
  const log = createLineLog({ file: dir ? join(dir, 'keybridge.log') : undefined, maxBytes: MAX_BYTES });
  return log.log;
}
