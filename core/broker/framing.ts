/**
 * Newline-delimited framing for the broker (docs/client.md "Broker protocol"): one UTF-8 JSON text per line,
 * at most 64 KiB a line. Dependency-free on purpose: the CLI's client uses it too and must start as fast as
 * bare Node.
 *
 * Lines are split on the byte 0x0A before decoding. In UTF-8 that byte never occurs inside a multi-byte
 * sequence (RFC 3629 §3: continuation bytes are 0x80–0xBF), so a character split across two chunks is
 * reassembled simply by decoding whole lines only.
 */

export const MAX_LINE_BYTES = 64 * 1024;
/** A peer that sends this much without any newline is not speaking the protocol: drop the connection. */
export const MAX_UNTERMINATED_BYTES = 1024 * 1024;

export type FrameEvent =
  /** One complete line, decoded (a trailing CR is removed, blank lines are skipped). */
  | { type: 'line'; line: string }
  /** The current line passed `maxLineBytes`: reported once, the rest of it is discarded up to the next newline. */
  | { type: 'overlong'; limit: number }
  /** A complete line that is not valid UTF-8 (RFC 8259 §8.1 requires it): answered as a parse error. */
  | { type: 'badEncoding' }
  /** More than `maxUnterminatedBytes` arrived without a newline: the caller should close the connection. */
  | { type: 'flood'; limit: number };

export interface LineSplitterOptions {
  maxLineBytes?: number;
  maxUnterminatedBytes?: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private readonly maxLine: number;
  private readonly maxUnterminated: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes seen since the last newline, kept or discarded. */
  private sinceNewline = 0;
  private discarding = false;
  private flooded = false;

  constructor(options: LineSplitterOptions = {}) {
    this.maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.maxUnterminated = options.maxUnterminatedBytes ?? MAX_UNTERMINATED_BYTES;
  }

  /** Feeds one chunk from the socket; returns what it completed, in order. */
  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    if (this.flooded) return events;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      this.take(chunk, start, end, events);
      if (this.flooded) return events;
      if (nl === -1) break;
      this.endLine(events);
      start = nl + 1;
    }
    return events;
  }

  private take(chunk: Buffer, start: number, end: number, events: FrameEvent[]): void {
    const n = end - start;
    if (n === 0) return;
    this.sinceNewline += n;
    if (this.sinceNewline > this.maxUnterminated) {
      this.flooded = true;
      this.pending = [];
      this.pendingBytes = 0;
      events.push({ type: 'flood', limit: this.maxUnterminated });
      return;
    }
    if (this.discarding) return;
    // A trailing CR (CRLF framing) does not count against the limit.
    if (this.pendingBytes + n > this.maxLine + 1) {
      this.discarding = true;
      this.pending = [];
      this.pendingBytes = 0;
      events.push({ type: 'overlong', limit: this.maxLine });
      return;
    }
    this.pending.push(chunk.subarray(start, end));
    this.pendingBytes += n;
  }

  private endLine(events: FrameEvent[]): void {
    const wasDiscarding = this.discarding;
    const bytes =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.sinceNewline = 0;
    this.discarding = false;
    if (wasDiscarding) return;
    let len = bytes.length;
    if (len > 0 && bytes[len - 1] === CR) len -= 1;
    if (len > this.maxLine) {
      events.push({ type: 'overlong', limit: this.maxLine });
      return;
    }
    let line: string;
    try {
      line = this.decoder.decode(bytes.subarray(0, len));
    } catch {
      events.push({ type: 'badEncoding' });
      return;
    }
    if (line.trim() === '') return;
    events.push({ type: 'line', line });
  }
}

/** One message as a line on the wire. JSON.stringify escapes control characters, so no raw newline leaks in. */
export function encodeLine(message: unknown): string {
  return JSON.stringify(message) + '\n';
}
