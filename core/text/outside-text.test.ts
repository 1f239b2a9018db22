/**
 * Outside text that reaches the user through an error message — the authorization server's
 * `error_description` — goes through the one escaper: no raw control, bidi or invisible character.
 */
import { describe, expect, it } from 'vitest';
import { authorizationError, cleanServerText } from '../auth/messages';
import { RAW_CONTROL } from '../../test/support/hostile-input';

describe('server error descriptions', () => {
  it('are shown escaped: line breaks become spaces, bidi and C1 controls visible escapes', () => {
    const e = authorizationError('odd_error\u202e', 'Try\nagain\u001b[2J \u202egnp.exe \u009b31m');
    expect(e.message).not.toMatch(RAW_CONTROL);
    expect(e.message).toContain('odd_error\\u{202e}');
    expect(e.message).toContain('Try again [2J \\u{202e}gnp.exe \\x9b31m');
    expect(cleanServerText('a\u200bb')).toBe('a\\u{200b}b');
  });
});
