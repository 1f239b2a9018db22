/**
 * The desktop's side of tool approval (docs/client.md "Approval", policy `ask`): a system notification "Allow
 * «name» to use your OpenAI session?" for each tool whose first request waits, with Allow / Deny buttons
 * where the platform has them (macOS) and a click that opens the window's prompt everywhere. A notification
 * goes away when its request is answered (here, in the window, or by the timeout).
 */
import { Notification } from 'electron';
import type { ToolInfo } from '../../core/api/contract';
import { approvalsToAnnounce, notificationBody } from './approval-text';

export interface ApprovalNotifierOptions {
  answer(name: string, allow: boolean): void;
  /** Shows the window, whose ApprovalPrompt asks the same question. */
  open(): void;
  log: (line: string) => void;
}

export interface ApprovalNotifier {
  update(tools: ToolInfo[]): void;
  dispose(): void;
}

export function createApprovalNotifier(opts: ApprovalNotifierOptions): ApprovalNotifier {
  const shown = new Map<string, Notification | null>();
  return {
    update(tools) {
      const { added, gone } = approvalsToAnnounce(new Set(shown.keys()), tools);
      for (const name of gone) {
        shown.get(name)?.close();
        shown.delete(name);
      }
      for (const tool of added) {
        // The window asks too: it is where the answer is given on platforms without notification buttons.
        opts.open();
        if (!Notification.isSupported()) {
          shown.set(tool.name, null);
          continue;
        }
        const n = new Notification({
          title: `Allow «${tool.name}» to use your OpenAI session?`,
          body: notificationBody(tool),
          actions: [
            { type: 'button', text: 'Allow' },
            { type: 'button', text: 'Deny' },
          ],
          closeButtonText: 'Later',
          timeoutType: 'never',
        });
        n.on('action', (_event, index) => opts.answer(tool.name, index === 0));
        n.on('click', () => opts.open());
        n.show();
        shown.set(tool.name, n);
        opts.log(`tools: asked the user about "${tool.name}"`);
      }
    },
    dispose() {
      for (const n of shown.values()) n?.close();
      shown.clear();
    },
  };
}
