/**
 * The escaper and the tool-name rule: the hostile name of the second security review is refused, and what
 * passes or is shown anyway never carries a raw control, bidi or invisible character.
 */
import { describe, expect, it } from 'vitest';
import { isSafeText, safeText } from './safe-text';
import { MAX_TOOL_NAME_CHARS, toolNameProblem } from './tool-name';
import { HOSTILE_NAME } from '../../test/support/hostile-input';

describe('safeText', () => {
  it('shows every control, bidi and invisible character as a visible escape, on one line', () => {
    const shown = safeText(HOSTILE_NAME);
    expect(shown).toBe('x\\x0a2026-12-01T00:00:00.000Z tools: allowed "keybridge-cli"\\x1b[2J\\u{202e}evil');
    expect(isSafeText(shown)).toBe(true);
    for (const ch of ['\r', '\u0085', '\u009b', '\u200b', '\u200f', '\u2066', '\u2028', '\ufeff', '\u007f'])
      expect(isSafeText(safeText(`a${ch}b`))).toBe(true);
  });

  it('leaves ordinary text, accents, CJK and emoji alone and caps the length', () => {
    expect(safeText('Café 日本語 🙂 "quoted"')).toBe('Café 日本語 🙂 "quoted"');
    expect(safeText('a'.repeat(300), 200)).toHaveLength(200);
    expect(safeText('a'.repeat(300), 200).endsWith('…')).toBe(true);
  });
});

describe('toolNameProblem', () => {
  it('refuses the hostile name without repeating it', () => {
    const problem = toolNameProblem(HOSTILE_NAME);
    expect(problem).toContain('\\x0a at position 2');
    expect(isSafeText(problem!)).toBe(true);
  });

  it.each([
    ['a right-to-left override', 'abc\u202edef'],
    ['a zero-width space', 'my\u200btool'],
    ['a C1 control', 'a\u009bb'],
    ['a no-break space', 'my\u00a0tool'],
    ['a leading space', ' tool'],
    ['nothing', ''],
    ['too many characters', 'x'.repeat(MAX_TOOL_NAME_CHARS + 1)],
  ])('refuses %s', (_what, name) => {
    expect(toolNameProblem(name)).toBeDefined();
  });

  it.each(['keybridge-cli', 'my agent 2', 'Café-日本語', 'tool 🙂', 'x'.repeat(MAX_TOOL_NAME_CHARS)])(
    'accepts %s',
    (name) => expect(toolNameProblem(name)).toBeUndefined(),
  );
});
