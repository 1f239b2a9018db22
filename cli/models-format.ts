/**
 * `keybridge models`: the account's models as lines for people (the `models.list` result is printed as it
 * is with --json).
 */
import type { ModelList } from '../core/api/protocol';
import { formatDuration, planLabel } from './format';

/** stdout: one line per model in priority order, `*` before the selected one, slug then display name. */
export function formatModelLines(list: ModelList): string[] {
  const width = Math.max(0, ...list.models.map((m) => m.slug.length));
  return list.models.map((m) => {
    const mark = m.slug === list.selected ? '*' : ' ';
    const name = m.displayName && m.displayName !== m.slug ? `  ${m.displayName}` : '';
    return `${mark} ${m.slug.padEnd(width)}${name}`.trimEnd();
  });
}

/** stderr: the plan, how fresh the list is, and what is wrong when something is. */
export function formatModelNotes(list: ModelList, now = Date.now()): string[] {
  const notes: string[] = [];
  const count = `${list.models.length} model${list.models.length === 1 ? '' : 's'}`;
  const age = ageOf(list.fetchedAt, now);
  const facts = [`Plan: ${planLabel(list.planType)}`, count];
  if (age && !list.stale) facts.push(`updated ${age}`);
  notes.push(facts.join(' · '));
  if (list.error) {
    notes.push(
      list.models.length > 0
        ? `${list.error.message} Showing the list saved ${age ?? 'earlier'}.`
        : list.error.message,
    );
  }
  if (list.models.length > 0 && list.selected === null) {
    notes.push('No default model selected: choose one in the Keybridge window.');
  }
  if (list.models.length === 0 && !list.error) {
    notes.push('ChatGPT offers no models to this account: models depend on the plan.');
  }
  return notes;
}

function ageOf(iso: string | null, now: number): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const d = now - t;
  return d < 60_000 ? 'just now' : `${formatDuration(d)} ago`;
}
