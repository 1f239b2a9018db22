/**
 * Telling listeners: each one is called, and one that throws is logged and does not keep the news from the
 * others (nor from the code that changed the state).
 */
import { asKeybridgeError } from './errors';

/** Calls `tell` with every listener; `what` names them in the log ("status", "credentials"…). */
export function tellEach<L>(
  listeners: Iterable<L>,
  tell: (listener: L) => void,
  log: (line: string) => void,
  what: string,
): void {
  for (const l of listeners) {
    try {
      tell(l);
    } catch (e) {
      log(`${what} listener failed: ${asKeybridgeError(e).message}`);
    }
  }
}
