/** Half of a deliberate import cycle, for test/import-cycles.test.ts. */
import type { a } from './a';
export const b = (): number => 1;
export type A = typeof a;
