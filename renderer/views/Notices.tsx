import { useNow } from '../components/hooks';
import { formatResetsIn } from '../lib/time';
import { noticeIsWarning, noticeTitle } from '../lib/usage';
import { useKb } from '../store';
import './accounts.css';

/**
 * The host's usage notices (80/95 % of a window, a reset, an automatic switch, every account limited) as
 * visible notes inside a polite live region, so a screen reader reads each one as it arrives.
 */
export function Notices() {
  const notices = useKb((s) => s.notices);
  const dismiss = useKb((s) => s.dismissNotice);
  const now = useNow(30_000);
  return (
    <div className="notices" role="status" aria-live="polite" aria-label="Usage notices">
      {notices.map((n) => {
        // Every account limited: say when the first one can work again (the host sends the time, not words).
        const resets = n.kind === 'allLimited' ? formatResetsIn(n.resetsAt, now) : null;
        return (
          <div key={n.id} className={noticeIsWarning(n) ? 'notice notice-warn' : 'notice'}>
            <p className="notice-text">
              <strong className="notice-title">{noticeTitle(n)}</strong>
              {n.message}
              {resets && ` The first limit ${resets}.`}
            </p>
            <button
              type="button"
              className="icon-btn icon-btn-small"
              aria-label={`Dismiss: ${noticeTitle(n)}`}
              onClick={() => dismiss(n.id)}
            >
              <span aria-hidden="true">×</span>
            </button>
          </div>
        );
      })}
    </div>
  );
}
