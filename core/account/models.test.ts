import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../../test/support/chatgpt-server';
import { visibleModels } from './models';

describe('visibleModels', () => {
  it('keeps only visibility "list", sorted by priority, in the contract shape', () => {
    const models = visibleModels({ models: DEFAULT_MODELS.plus });
    expect(models.map((m) => m.slug)).toEqual(['gpt-5.1-codex', 'gpt-5.1', 'gpt-5.1-codex-mini']);
    expect(models[0]).toEqual({
      slug: 'gpt-5.1-codex',
      displayName: 'GPT-5.1 Codex',
      description: 'Optimized for agentic coding.',
      contextWindow: 272_000,
      reasoningLevels: ['low', 'medium', 'high'],
      priority: 1,
    });
  });

  it('shows a Pro account its extra models and still hides the hidden ones', () => {
    const slugs = visibleModels({ models: DEFAULT_MODELS.pro }).map((m) => m.slug);
    expect(slugs).toEqual([
      'gpt-5.1-codex-max',
      'gpt-5.1-codex',
      'gpt-5.1',
      'gpt-5.1-codex-mini',
      'gpt-5-pro',
    ]);
    expect(slugs).not.toContain('codex-auto-review');
    expect(slugs).not.toContain('gpt-5-codex');
  });

  it('tolerates unknown fields, missing optional fields and odd reasoning-level shapes', () => {
    const models = visibleModels({
      etag_hint: 'ignored',
      models: [
        { slug: 'bare', visibility: 'list' },
        {
          slug: 'strings',
          visibility: 'list',
          priority: 5,
          display_name: '  ',
          description: null,
          context_window: null,
          supported_reasoning_levels: ['low', { effort: 'high', extra: 1 }, 42, { nope: true }, 'low'],
          brand_new_field: { nested: [1, 2, 3] },
        },
      ],
    });
    expect(models).toEqual([
      { slug: 'strings', displayName: 'strings', priority: 5, reasoningLevels: ['low', 'high'] },
      { slug: 'bare', displayName: 'bare', priority: Number.MAX_SAFE_INTEGER },
    ]);
  });

  it('drops malformed entries and repeated slugs without losing the rest of the list', () => {
    const models = visibleModels({
      models: [
        null,
        'gpt-4',
        { display_name: 'no slug', visibility: 'list' },
        { slug: 'a', visibility: 'list', priority: 'high' },
        { slug: 'b', visibility: 'list', priority: 2 },
        { slug: 'b', visibility: 'list', priority: 1, display_name: 'second b' },
        { slug: 'c', visibility: 'LIST', priority: 0 },
        { slug: 'd', priority: 0 },
        { slug: 'e', visibility: 'list', priority: 2 },
      ],
    });
    // Ties keep the server's order; "a" has an unreadable priority and is dropped, not the list.
    expect(models.map((m) => m.slug)).toEqual(['b', 'e']);
    expect(models[0]!.displayName).toBe('b');
  });

  it('refuses a body that is not a model list at all', () => {
    expect(() => visibleModels({ data: [] })).toThrow(/no "models" list/);
    expect(() => visibleModels(null)).toThrow();
    expect(() => visibleModels([{ slug: 'x' }])).toThrow();
    expect(visibleModels({ models: [] })).toEqual([]);
  });
});
