/**
 * The headless host's log: timestamped lines to stderr and to `<home>/logs/host.log` (0600, folder 0700).
 * Every line goes through redact() first, so a token that slips into a message never reaches the disk.
 */
import { closeSync, fchmodSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from '../core/errors';

/** A log that outgrows this is moved to host.log.1 at start-up (one generation kept). */
const MAX_LOG_BYTES = 5 * 1024 * 1024;

export interface HostLog {
  readonly path: string;
  /** A timestamped line to stderr and the file. */
  log(line: string): void;
  /** A line already shown to the user another way: the file only. */
  toFile(line: string): void;
  close(): void;
}

export function createHostLog(home: string, opts: { stderr?: (text: string) => void } = {}): HostLog {
  const dir = join(home, 'logs');
  const path = join(dir, 'host.log');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    if (statSync(path).size > MAX_LOG_BYTES) renameSync(path, `${path}.1`);
  } catch {
    // No log yet.
  }
  let fd: number | undefined = openSync(path, 'a', 0o600);
  // The mode of openSync applies only when it creates the file: tighten one left by an older version too.
  fchmodSync(fd, 0o600);
  const stderr = opts.stderr ?? ((text: string) => void process.stderr.write(text));
  const stamp = (line: string) => `${new Date().toISOString()} ${redact(line)}\n`;
  const toFile = (text: string) => {
    if (fd === undefined) return;
    try {
      writeSync(fd, text);
    } catch {
      // A full disk must not take the host down; stderr still has the line.
    }
  };
  return {
    path,
    log(line: string) {
      const text = stamp(line);
      stderr(text);
      toFile(text);
    },
    toFile: (line: string) => toFile(stamp(line)),
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
