import type { ToolInfo } from '../../core/api/contract';
import { useNow } from '../components/hooks';
import { Problem } from '../components/Problem';
import { formatAgo } from '../lib/time';
import { useKb } from '../store';
import { callerLine } from './ApprovalPrompt';
import './tools.css';

/**
 * "Connected tools": every tool that asked for credentials, whether it may have them, when it last did,
 * and Revoke (takes effect at once: its subscriptions stop getting tokens, its next request is refused).
 */
export function ToolsSection() {
  const tools = useKb((s) => s.tools);
  const error = useKb((s) => s.toolsError);
  const listed = tools.filter((t) => !t.pending || t.decision !== null);
  return (
    <section className="panel" aria-labelledby="tools-title">
      <div className="panel-head">
        <h2 id="tools-title" className="panel-title">
          Connected tools
        </h2>
      </div>
      {listed.length === 0 ? (
        <p className="panel-note">
          No tool has asked yet. Tools get credentials with <code className="mono">keybridge token</code>,{' '}
          <code className="mono">keybridge exec</code> or the <code className="mono">keybridge/client</code>{' '}
          module.
        </p>
      ) : (
        <ul className="tool-list">
          {listed.map((t) => (
            <ToolRow key={t.name} tool={t} />
          ))}
        </ul>
      )}
      {error && <Problem error={error} urgent />}
    </section>
  );
}

function ToolRow({ tool }: { tool: ToolInfo }) {
  const revoke = useKb((s) => s.revokeTool);
  const decide = useKb((s) => s.decideTool);
  const busy = useKb((s) => s.toolBusy !== null || s.connection !== 'open');
  const now = useNow(30_000);
  const used = formatAgo(tool.lastUsedAt, now);
  const allowed = tool.decision === 'allowed';
  return (
    <li className="tool" data-tool={tool.name}>
      <div className="tool-main">
        <span className="tool-name">{tool.name}</span>
        <span className={allowed ? 'tool-state tool-allowed' : 'tool-state tool-denied'}>
          {allowed ? (tool.decidedBy === 'policy' ? 'Allowed (all tools)' : 'Allowed') : 'Denied'}
        </span>
        {tool.via === 'ssh' && <span className="tool-live">through SSH</span>}
        {tool.connections > 0 && <span className="tool-live">connected</span>}
      </div>
      <div className="tool-meta">
        {used ? `Last used ${used}` : 'Not used yet'}
        {tool.pid !== undefined && <> · {callerLine(tool)}</>}
      </div>
      <div className="tool-actions">
        {allowed ? (
          <button
            type="button"
            className="btn btn-secondary btn-small"
            disabled={busy}
            onClick={() => void revoke(tool.name)}
            aria-label={`Revoke ${tool.name}`}
          >
            Revoke
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-ghost btn-small"
            disabled={busy}
            onClick={() => void decide(tool.name, true)}
            aria-label={`Allow ${tool.name}`}
          >
            Allow
          </button>
        )}
      </div>
    </li>
  );
}
