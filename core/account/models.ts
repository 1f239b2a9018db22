/**
 * The ChatGPT backend's model list (docs/design.md "Provider profile"):
 * `GET {base}/codex/models?client_version=X` answers `{"models":[{slug, display_name, description,
 * visibility, priority, context_window, supported_reasoning_levels, …}]}`. Only `visibility == "list"`
 * entries are shown, sorted by `priority` (lower first, as Codex CLI's picker does).
 *
 * The server adds fields and models as it likes, so parsing is lenient: unknown fields are ignored, a missing
 * optional field is left out, and one malformed entry is dropped without losing the rest of the list.
 */
import { z } from 'zod';
import type { ModelInfo } from '../api/contract';

/** `supported_reasoning_levels` is a list of `{effort, description}` presets; plain strings are accepted too. */
const ReasoningLevel = z.union([z.string(), z.looseObject({ effort: z.string() })]);

/** One entry as the server sends it. Only `slug` is required. */
export const ServerModel = z.looseObject({
  slug: z.string().min(1),
  display_name: z.string().nullish(),
  description: z.string().nullish(),
  visibility: z.string().nullish(),
  priority: z.number().nullish(),
  context_window: z.number().int().positive().nullish(),
  supported_reasoning_levels: z.array(z.unknown()).nullish(),
});
export type ServerModel = z.infer<typeof ServerModel>;

export const ServerModelsResponse = z.looseObject({ models: z.array(z.unknown()) });

export class ModelsResponseError extends Error {
  override readonly name = 'ModelsResponseError';
}

/** Entries without a priority go last, in the server's order. */
const NO_PRIORITY = Number.MAX_SAFE_INTEGER;

function reasoningLevels(raw: readonly unknown[] | null | undefined): string[] | undefined {
  if (!raw) return undefined;
  const levels: string[] = [];
  for (const item of raw) {
    const parsed = ReasoningLevel.safeParse(item);
    if (!parsed.success) continue;
    const effort = typeof parsed.data === 'string' ? parsed.data : parsed.data.effort;
    if (effort && !levels.includes(effort)) levels.push(effort);
  }
  return levels.length > 0 ? levels : undefined;
}

/** One server entry in the contract's shape (camelCase, only the fields the UI and tools use). */
export function toModelInfo(m: ServerModel): ModelInfo {
  const info: ModelInfo = {
    slug: m.slug,
    displayName: m.display_name?.trim() || m.slug,
    priority: m.priority ?? NO_PRIORITY,
  };
  if (m.description) info.description = m.description;
  if (m.context_window) info.contextWindow = m.context_window;
  const levels = reasoningLevels(m.supported_reasoning_levels);
  if (levels) info.reasoningLevels = levels;
  return info;
}

/**
 * The models to show from a parsed JSON body: visible (`visibility == "list"`) entries, each slug once,
 * sorted by priority (ties keep the server's order). Throws ModelsResponseError when the body is not a
 * model list at all; a malformed entry inside one is skipped.
 */
export function visibleModels(body: unknown): ModelInfo[] {
  const parsed = ServerModelsResponse.safeParse(body);
  if (!parsed.success) throw new ModelsResponseError('The answer has no "models" list.');
  const seen = new Set<string>();
  const out: Array<{ info: ModelInfo; index: number }> = [];
  parsed.data.models.forEach((raw, index) => {
    const entry = ServerModel.safeParse(raw);
    if (!entry.success || entry.data.visibility !== 'list' || seen.has(entry.data.slug)) return;
    seen.add(entry.data.slug);
    out.push({ info: toModelInfo(entry.data), index });
  });
  out.sort((a, b) => a.info.priority - b.info.priority || a.index - b.index);
  return out.map((o) => o.info);
}
