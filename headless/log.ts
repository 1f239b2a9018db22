/**
 * The headless host's log: timestamped lines to stderr and to `<home>/logs/host.log` (0600, folder 0700),
 * size-capped with rotation and rate-limited (core/log/line-log.ts).
 */
import { join } from 'node:path';
import { createLineLog, type LineLog, type LineLogOptions } from '../core/log/line-log';

export type HostLog = LineLog & { readonly path: string };

export function createHostLog(
  home: string,
  opts: Omit<LineLogOptions, 'file' | 'stderr'> & { stderr?: (text: string) => void } = {},
): HostLog {
  const path = join(home, 'logs', 'host.log');
  return createLineLog({ ...opts, file: path }) as HostLog;
}
