import type { Status } from '../../core/api/contract';
import { accountKey, USAGE_INTERVAL_MS } from '../account-slice';
import { useNow } from '../components/hooks';
import { troubleshoot } from '../lib/troubleshooting';
import { formatAgo, formatResetsIn } from '../lib/time';
import {
  blockingText,
  blockingWindow,
  formatUsed,
  usageBars,
  usageTone,
  type UsageBarData,
} from '../lib/usage';
import { useKb } from '../store';
import { useWhileVisible } from './account-hooks';
import './account.css';

/**
 * The 5-hour and weekly usage windows as bars with their reset times (issue #4), asked for only while shown;
 * an account with only a weekly window shows that one. When a limit is reached it says which one blocks.
 */
export function UsageSection({ status }: { status: Status }) {
  const key = accountKey(status);
  const usage = useKb((s) => (s.usageFor === key ? s.usage : null));
  const loading = useKb((s) => s.usageLoading);
  const callError = useKb((s) => (s.usageFor === key ? s.usageCallError : null));
  const ensureUsage = useKb((s) => s.ensureUsage);
  const loadUsage = useKb((s) => s.loadUsage);
  const activeUsage = useKb((s) => s.accountList?.accounts.find((a) => a.active)?.usage);
  const now = useNow(30_000);
  useWhileVisible(() => key && ensureUsage(key), USAGE_INTERVAL_MS, [key]);
  if (!key) return null;

  // The accounts list carries the active account's usage too, and the host pushes it whenever it reads
  // usage (for alerts and auto-switch): show whichever of the two is newer.
  const listNewer =
    !!activeUsage?.fetchedAt &&
    (!usage?.fetchedAt || Date.parse(activeUsage.fetchedAt) > Date.parse(usage.fetchedAt));
  const shown = listNewer ? activeUsage : usage;
  const windows = shown ? usageBars(shown) : [];
  // The host's own judgement of what stops this account (usage.get's answer, else the list's).
  const blocking = blockingWindow(listNewer || !usage?.windows ? activeUsage : usage);
  const problem = callError ?? usage?.error ?? null;
  const updated = shown?.fetchedAt ? formatAgo(shown.fetchedAt, now) : null;

  return (
    <section className="panel" aria-labelledby="usage-title">
      <div className="panel-head">
        <h2 id="usage-title" className="panel-title">
          Usage limits
        </h2>
        {updated && !problem && <span className="panel-meta">Updated {updated}</span>}
      </div>

      {blocking && (
        <p className="panel-note panel-note-warn" data-blocking={blocking.name}>
          <strong>{blockingText(blocking)}.</strong>{' '}
          {formatResetsIn(blocking.resetsAt, now)
            ? `This account can be used again when it ${formatResetsIn(blocking.resetsAt, now)}.`
            : 'This account can be used again when it resets.'}
        </p>
      )}

      {windows.length > 0 && (
        <ul className="usage-list">
          {windows.map((w) => (
            <UsageBar key={w.key} window={w} now={now} />
          ))}
        </ul>
      )}

      {shown == null && !problem && <p className="panel-note">{loading ? 'Loading usage…' : '\u00a0'}</p>}
      {shown != null && windows.length === 0 && !problem && (
        <p className="panel-note">ChatGPT reports no usage limits for this account right now.</p>
      )}
      {problem && (
        <p className="panel-note panel-note-warn" data-code={problem.code}>
          {troubleshoot(problem).headline}.{' '}
          {windows.length > 0 && updated
            ? `Showing the numbers from ${updated}.`
            : 'Usage limits are not available right now.'}{' '}
          <button
            type="button"
            className="btn-link btn-link-inline"
            onClick={() => void loadUsage(key, { refresh: true })}
            disabled={loading}
          >
            {loading ? 'Trying…' : 'Try again'}
          </button>
        </p>
      )}
    </section>
  );
}

function UsageBar({ window, now }: { window: UsageBarData; now: number }) {
  const label = window.label;
  const used = Math.min(100, Math.max(0, window.usedPercent));
  const resets = formatResetsIn(window.resetsAt, now);
  const id = `usage-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <li className="usage">
      <div className="usage-row">
        <span id={id} className="usage-label">
          {label}
        </span>
        <span className="usage-value">{formatUsed(used)}</span>
      </div>
      <div
        className={`meter meter-${usageTone(used)}`}
        role="meter"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(used)}
        aria-valuetext={`${formatUsed(used)}${resets ? `, ${resets}` : ''}`}
      >
        <div className="meter-fill" style={{ width: `${used}%` }} />
      </div>
      {resets && (
        <time className="usage-reset" dateTime={window.resetsAt}>
          {capitalise(resets)}
        </time>
      )}
    </li>
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
