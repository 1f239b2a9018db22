/**
 * The one escaper for outside text — tool names, the authorization server's `error_description`, ChatGPT
 * backend errors, URLs — on its way to a log, a terminal or the UI. Characters that could forge a line
 * (CR, LF, U+2028/2029), drive a terminal (ESC and the other C0/C1 controls), reorder what is shown (bidi
 * controls, Unicode TR #9 §2) or hide text (zero-width and other format characters) are written as visible
 * `\xHH` / `\u{HHHH}` escapes, so what is shown is what was sent, one line, inert.
 */

/**
 * Every character that is not safe to show as is: controls (Cc), format characters (Cf: bidi, zero-width,
 * BOM), line and paragraph separators, surrogates, private-use and unassigned code points.
 */
export const UNSAFE_CHARS = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const UNSAFE_ALL = new RegExp(UNSAFE_CHARS.source, 'gu');

/** How one unsafe character is shown. */
export function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
}

/** `text` with every unsafe character escaped, cut to `max` characters (…) when given. */
export function safeText(text: string, max?: number): string {
  const flat = text.replace(UNSAFE_ALL, escapeChar);
  if (max === undefined || flat.length <= max) return flat;
  return `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** True when `text` would be shown unchanged by safeText. */
export function isSafeText(text: string): boolean {
  return !UNSAFE_CHARS.test(text);
}
