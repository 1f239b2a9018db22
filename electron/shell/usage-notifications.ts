/**
 * The desktop's side of `usage.notice` (issue #11): a system notification when the active account crosses
 * 80 % or 95 % of a window, when a limited window resets, when Keybridge switched accounts, and when every
 * account is at its limit. A click opens the window, whose switcher and usage panel say the rest.
 */
import { Notification } from 'electron';
import type { UsageNotice } from '../../core/api/contract';
import { noticeKey, usageNotification } from './usage-notification-text';

export interface UsageNotifierOptions {
  open(): void;
  log: (line: string) => void;
  now?: () => number;
}

export interface UsageNotifier {
  notify(notice: UsageNotice): void;
  dispose(): void;
}

export function createUsageNotifier(opts: UsageNotifierOptions): UsageNotifier {
  const now = opts.now ?? Date.now;
  const shown = new Map<string, Notification>();
  return {
    notify(notice) {
      if (!Notification.isSupported()) return;
      const key = noticeKey(notice);
      shown.get(key)?.close();
      const { title, body } = usageNotification(notice, now());
      const n = new Notification({ title, body });
      n.on('click', () => opts.open());
      n.on('close', () => {
        if (shown.get(key) === n) shown.delete(key);
      });
      n.show();
      shown.set(key, n);
      opts.log(`usage: notified (${notice.kind}${notice.window ? `, ${notice.window}` : ''})`);
    },
    dispose() {
      for (const n of shown.values()) n.close();
      shown.clear();
    },
  };
}
