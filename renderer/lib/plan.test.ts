import { describe, expect, it } from 'vitest';
import { planLabel } from './plan';

describe('planLabel', () => {
  it('names the known plans', () => {
    expect(planLabel('plus')).toBe('Plus');
    expect(planLabel('pro')).toBe('Pro');
    expect(planLabel('team')).toBe('Team');
    expect(planLabel('prolite')).toBe('Pro Lite');
    expect(planLabel('ENTERPRISE')).toBe('Enterprise');
  });
  it('shows unknown values as they are', () => {
    expect(planLabel('quantum_tier')).toBe('quantum_tier');
  });
  it('has no badge without a plan', () => {
    expect(planLabel(null)).toBeNull();
    expect(planLabel(undefined)).toBeNull();
    expect(planLabel('  ')).toBeNull();
  });
});
