/** Half of a deliberate import cycle, for test/import-cycles.test.ts. */
import { b } from './b';
export const a = (): number => b() + 1;
