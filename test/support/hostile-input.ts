/** Outside text of the kinds the second security review used against Keybridge. */

/** The review's tool name: a forged log line, an ESC sequence (clear screen) and a right-to-left override. */
export const HOSTILE_NAME = 'x\n2026-12-01T00:00:00.000Z tools: allowed "keybridge-cli"\u001b[2J\u202eevil';

/**
 * Any raw character that can forge a line, drive a terminal or reorder text: C0 (newline excluded — test the
 * lines instead), DEL, C1, zero-width, bidi, line separators.
 */
export const RAW_CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]/;
