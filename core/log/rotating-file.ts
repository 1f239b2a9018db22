/**
 * An append-only log file with a hard size cap checked on every write: when the next line would pass
 * `maxBytes`, the file becomes `<path>.1` (older generations move up to `<path>.<keep>`, the oldest is
 * dropped) and a fresh file starts. So however much is logged, the folder never holds more than
 * `(keep + 1) × maxBytes`. Files are 0600; a write that fails (full disk, read-only folder) is dropped, never
 * thrown: losing a log line must not take the app down.
 */
import { closeSync, fchmodSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface RotatingFileOptions {
  maxBytes: number;
  /** Old generations kept next to the live file (`.1` … `.keep`). */
  keep: number;
}

export class RotatingFile {
  private fd: number | undefined;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly opts: RotatingFileOptions,
  ) {
    this.open();
  }

  write(text: string): void {
    if (this.fd === undefined) return;
    const chunk = Buffer.from(text);
    if (this.size > 0 && this.size + chunk.length > this.opts.maxBytes) this.rotate();
    if (this.fd === undefined) return;
    try {
      // A single line longer than the cap is cut: the cap holds for every file.
      this.size += writeSync(this.fd, chunk, 0, Math.min(chunk.length, this.opts.maxBytes));
    } catch {
      // Full disk or a removed folder: the line is lost, the app goes on.
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    this.reopen();
    // A file already over the cap (left by an older version) starts a new generation now.
    if (this.size > this.opts.maxBytes) this.rotate();
  }

  private reopen(): void {
    try {
      this.fd = openSync(this.path, 'a', 0o600);
      // The mode of openSync applies only when it creates the file: tighten one left by an older version too.
      fchmodSync(this.fd, 0o600);
      this.size = fstatSync(this.fd).size;
    } catch {
      this.fd = undefined;
    }
  }

  private rotate(): void {
    this.close();
    try {
      rmSync(`${this.path}.${this.opts.keep}`, { force: true });
      for (let n = this.opts.keep - 1; n >= 1; n -= 1) {
        try {
          renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
        } catch {
          // That generation does not exist yet.
        }
      }
      if (this.opts.keep > 0) renameSync(this.path, `${this.path}.1`);
      else rmSync(this.path, { force: true });
    } catch {
      // Cannot rotate (read-only folder): reopen and keep the cap by not writing past it.
    }
    this.reopen();
    if (this.fd !== undefined && this.size >= this.opts.maxBytes) this.close();
  }
}
