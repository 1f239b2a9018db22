/**
 * What a tool may call itself (`hello`'s `client.name`): the user reads it in "Allow «name» to use your
 * OpenAI session?", in the tool list and in the host's log, so it must be exactly what it looks like —
 * short, one line, printable, with no control, bidi, zero-width or other invisible characters and no
 * space at either end. Anything else is refused (-32602) rather than cleaned: a cleaned name would show the
 * user something other than what the tool sent.
 */
import { UNSAFE_CHARS, escapeChar } from './safe-text';

export const MAX_TOOL_NAME_CHARS = 64;

/** Unsafe characters plus every space other than U+0020 (look-alike spaces). */
const NOT_ALLOWED = new RegExp(`${UNSAFE_CHARS.source}|(?! )\\p{Zs}`, 'u');

/** Why `name` is not a valid tool name, or undefined when it is. The reason never repeats the raw name. */
export function toolNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'the tool name must be a non-empty string';
  const chars = [...name];
  const at = chars.findIndex((c) => NOT_ALLOWED.test(c));
  if (at !== -1)
    return `the tool name contains ${escapeChar(chars[at]!)} at position ${at + 1}; only printable characters (no control, bidi or invisible ones) are allowed`;
  if (chars.length > MAX_TOOL_NAME_CHARS)
    return `the tool name has ${chars.length} characters; at most ${MAX_TOOL_NAME_CHARS} are allowed`;
  if (name !== name.trim()) return 'the tool name must not start or end with a space';
  return undefined;
}
