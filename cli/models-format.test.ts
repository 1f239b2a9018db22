import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args';
import type { ModelList } from '../core/api/protocol';
import { formatModelLines, formatModelNotes } from './models-format';

const NOW = Date.parse('2030-01-01T15:00:00Z');
const list = (extra: Partial<ModelList> = {}): ModelList => ({
  models: [
    { slug: 'gpt-5.1-codex', displayName: 'GPT-5.1 Codex', priority: 1 },
    { slug: 'gpt-5.1', displayName: 'GPT-5.1', priority: 2 },
    { slug: 'odd-one', displayName: 'odd-one', priority: 3 },
  ],
  selected: 'gpt-5.1',
  fetchedAt: '2030-01-01T14:55:00Z',
  source: 'server',
  stale: false,
  planType: 'plus',
  ...extra,
});

describe('keybridge models', () => {
  it('prints one line per model in order, the selected one marked with *', () => {
    expect(formatModelLines(list())).toEqual([
      '  gpt-5.1-codex  GPT-5.1 Codex',
      '* gpt-5.1        GPT-5.1',
      '  odd-one',
    ]);
    expect(formatModelLines(list({ models: [] }))).toEqual([]);
  });

  it('notes the plan and freshness, and says why when the list is old, empty or unselected', () => {
    expect(formatModelNotes(list(), NOW)).toEqual(['Plan: Plus · 3 models · updated 5 min ago']);
    expect(
      formatModelNotes(
        list({
          stale: true,
          source: 'cache',
          fetchedAt: '2030-01-01T12:00:00Z',
          selected: null,
          error: { code: 'chatgpt_unreachable', message: 'ChatGPT could not be reached (ECONNREFUSED).' },
        }),
        NOW,
      ),
    ).toEqual([
      'Plan: Plus · 3 models',
      'ChatGPT could not be reached (ECONNREFUSED). Showing the list saved 3 h ago.',
      'No default model selected: choose one in the Keybridge window.',
    ]);
    expect(formatModelNotes(list({ models: [], planType: 'free' }), NOW)).toEqual([
      'Plan: Free · 0 models · updated 5 min ago',
      'ChatGPT offers no models to this account: models depend on the plan.',
    ]);
  });

  it('parses models [--json] [--refresh] and nothing else', () => {
    expect(parseArgs(['models', '--json'])).toMatchObject({ command: 'models', flags: { json: true } });
    expect(parseArgs(['models', '--refresh'])).toMatchObject({ flags: { refresh: true } });
    expect(() => parseArgs(['models', 'gpt-5'])).toThrow(UsageError);
    expect(() => parseArgs(['models', '--select'])).toThrow(/Unknown option for models/);
  });
});
