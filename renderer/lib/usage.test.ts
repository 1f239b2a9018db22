import { describe, expect, it } from 'vitest';
import { formatUsed, usageTone, usageWindowLabel } from './usage';

describe('usage wording', () => {
  it('names the windows by their length', () => {
    expect(usageWindowLabel(18_000, 'primary')).toBe('5-hour limit');
    expect(usageWindowLabel(604_800, 'secondary')).toBe('Weekly limit');
    expect(usageWindowLabel(86_400, 'secondary')).toBe('Daily limit');
    expect(usageWindowLabel(3 * 86_400, 'secondary')).toBe('3-day limit');
    expect(usageWindowLabel(5_400, 'primary')).toBe('1 h 30 min limit');
    expect(usageWindowLabel(undefined, 'primary')).toBe('Short-term limit');
    expect(usageWindowLabel(undefined, 'secondary')).toBe('Weekly limit');
  });

  it('warns as a window fills up', () => {
    expect(usageTone(0)).toBe('ok');
    expect(usageTone(74.9)).toBe('ok');
    expect(usageTone(75)).toBe('warn');
    expect(usageTone(95)).toBe('full');
    expect(formatUsed(41.6)).toBe('42% used');
    expect(formatUsed(130)).toBe('100% used');
  });
});
