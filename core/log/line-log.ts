/**
 * The one log of both hosts (headless `serve` and the desktop app): timestamped lines to stderr and to a
 * size-capped, rotating file. Every line is redacted (no token ever reaches a log) and escaped by safeText
 * (a name or a server message cannot forge a line or send terminal escapes), then rate-limited, so nothing
 * an outsider triggers writes unbounded output — to the file or to the terminal.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { redact } from '../errors';
import { safeText } from '../text/safe-text';
import { LineRateLimiter, type RateLimitOptions } from './rate-limit';
import { RotatingFile } from './rotating-file';

/** One file's cap: at most DEFAULT_KEEP + 1 of them exist. */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_KEEP = 3;
/** A single line is cut here: a log line is a sentence, not a payload. */
const MAX_LINE_CHARS = 4000;

export interface LineLogOptions {
  /** The log file; none: stderr only. Its folder is created 0700. */
  file?: string;
  maxBytes?: number;
  keep?: number;
  /** Where the terminal copy goes; default process.stderr. null: file only. */
  stderr?: ((text: string) => void) | null;
  rateLimit?: RateLimitOptions;
  now?: () => Date;
}

export interface LineLog {
  readonly path: string | undefined;
  /** A timestamped line to stderr and the file. */
  log(line: string): void;
  /** A line already shown to the user another way: the file only. */
  toFile(line: string): void;
  close(): void;
}

export function createLineLog(opts: LineLogOptions = {}): LineLog {
  let file: RotatingFile | undefined;
  if (opts.file) {
    try {
      mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
      file = new RotatingFile(opts.file, {
        maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
        keep: opts.keep ?? DEFAULT_KEEP,
      });
    } catch {
      // A folder that cannot be made: stderr only.
    }
  }
  const stderr =
    opts.stderr === null ? undefined : (opts.stderr ?? ((text: string) => void process.stderr.write(text)));
  const now = opts.now ?? (() => new Date());
  const stamp = (line: string) => `${now().toISOString()} ${line}\n`;
  const clean = (line: string) => safeText(redact(line), MAX_LINE_CHARS);

  const both = new LineRateLimiter((line) => {
    const text = stamp(line);
    stderr?.(text);
    file?.write(text);
  }, opts.rateLimit);
  const fileOnly = new LineRateLimiter((line) => file?.write(stamp(line)), opts.rateLimit);

  return {
    path: opts.file,
    log: (line) => both.submit(clean(line)),
    toFile: (line) => fileOnly.submit(clean(line)),
    close() {
      both.flush();
      fileOnly.flush();
      file?.close();
      file = undefined;
    },
  };
}
