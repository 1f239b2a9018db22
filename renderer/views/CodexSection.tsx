import { useNow } from '../components/hooks';
import { Problem } from '../components/Problem';
import { formatAgo } from '../lib/time';
import { useKb } from '../store';
import './tools.css';

/**
 * Sharing with Codex CLI (docs/design.md "Codex sharing"): one switch that keeps `$CODEX_HOME/auth.json`
 * filled with the current access token (never the refresh token). A login Codex made itself is replaced only
 * after the user confirms here; it is kept as a backup and restored when sharing is turned off.
 */
export function CodexSection() {
  const codex = useKb((s) => s.codex);
  const busy = useKb((s) => s.codexBusy || s.connection !== 'open');
  const error = useKb((s) => s.codexError);
  const confirm = useKb((s) => s.codexConfirmReplace);
  const setSharing = useKb((s) => s.setCodexSharing);
  const confirmReplace = useKb((s) => s.confirmCodexReplace);
  const cancel = useKb((s) => s.cancelCodexReplace);
  const now = useNow(30_000);
  if (!codex) return null;
  const written = codex.file === 'ours' ? formatAgo(codex.lastWrittenAt, now) : null;
  return (
    <section className="panel" aria-labelledby="codex-title">
      <div className="panel-head">
        <h2 id="codex-title" className="panel-title">
          Share with Codex CLI
        </h2>
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            checked={codex.enabled}
            disabled={busy || confirm}
            onChange={(e) => void setSharing(e.currentTarget.checked)}
            aria-labelledby="codex-title"
          />
          <span className="switch-track" aria-hidden="true" />
        </label>
      </div>
      <p className="panel-note">
        {codex.enabled
          ? written
            ? `Codex CLI uses this session: ${codex.path} was written ${written}.`
            : `Codex CLI will use this session: ${codex.path} is written while you are signed in.`
          : `Keeps ${codex.path} filled with this session's access token, so codex needs no login of its own.`}
      </p>
      {codex.backupPath && (
        <p className="panel-note">
          Codex CLI’s own login is kept in {codex.backupPath} and comes back when you turn this off.
        </p>
      )}
      {confirm && (
        <div className="confirm" role="group" aria-labelledby="codex-confirm-text">
          <p id="codex-confirm-text" className="confirm-text">
            Codex CLI already has its own login in {codex.path}. Replace it? Keybridge keeps it as a backup
            and restores it when you turn sharing off.
          </p>
          <div className="actions-row">
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => void confirmReplace()}
            >
              Replace and share
            </button>
            <button type="button" className="btn btn-secondary" disabled={busy} onClick={cancel}>
              Keep Codex’s login
            </button>
          </div>
        </div>
      )}
      {codex.problem && !confirm && <Problem error={codex.problem} />}
      {error && <Problem error={error} urgent />}
    </section>
  );
}
