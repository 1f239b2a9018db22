import type { ModelInfo, ModelList, Status } from '../../core/api/contract';
import { accountKey, MODELS_MAX_AGE_MS } from '../account-slice';
import { useNow } from '../components/hooks';
import { RefreshIcon, Spinner } from '../components/icons';
import { Problem } from '../components/Problem';
import { planLabel } from '../lib/plan';
import { formatAgo } from '../lib/time';
import { troubleshoot } from '../lib/troubleshooting';
import { useKb } from '../store';
import { useWhileVisible } from './account-hooks';
import './account.css';

/**
 * The models ChatGPT offers this account, in the server's order, with the selected default (issue #4).
 * Shows the saved list with its age when ChatGPT cannot be reached, and why a list may be short.
 */
export function ModelsSection({ status }: { status: Status }) {
  const key = accountKey(status);
  const list = useKb((s) => (s.modelsFor === key ? s.models : null));
  const loading = useKb((s) => s.modelsLoading);
  const callError = useKb((s) => (s.modelsFor === key ? s.modelsCallError : null));
  const ensureModels = useKb((s) => s.ensureModels);
  const loadModels = useKb((s) => s.loadModels);
  const now = useNow(30_000);
  // Asks the host when the account or plan is new here, or the list is older than an hour (checked when the
  // window is shown again, and hourly while it stays open).
  useWhileVisible(() => key && ensureModels(key), MODELS_MAX_AGE_MS, [key]);
  if (!key) return null;

  const plan = planLabel(status.account?.planType);
  const selected = status.selectedModel ?? list?.selected ?? null;
  const models = list?.models ?? [];
  const age = list?.fetchedAt ? formatAgo(list.fetchedAt, now) : null;
  const meta = !list || list.stale ? null : list.source === 'server' ? `Updated ${age}` : `Saved ${age}`;

  return (
    <section className="panel" aria-labelledby="models-title" aria-busy={loading}>
      <div className="panel-head">
        <h2 id="models-title" className="panel-title">
          Models
        </h2>
        {age && meta && <span className="panel-meta">{meta}</span>}
        <button
          type="button"
          className="icon-btn icon-btn-small"
          onClick={() => void loadModels(key, { refresh: true })}
          disabled={loading}
          aria-label="Check for new models"
          title="Check for new models"
        >
          {loading ? <Spinner small /> : <RefreshIcon />}
        </button>
      </div>

      {list?.stale && models.length > 0 && <StaleNote list={list} age={age} />}

      {models.length > 0 ? (
        <ModelChoices models={models} selected={selected} accountKey={key} />
      ) : list === null && !callError ? (
        <p className="panel-note">Loading the models for this account…</p>
      ) : callError ? (
        <Problem error={callError} />
      ) : list?.error ? (
        <Problem error={list.error} />
      ) : (
        <p className="panel-note">ChatGPT offers no models to this account right now.</p>
      )}

      <ModelsHelp plan={plan} open={list !== null && models.length <= 1} />
    </section>
  );
}

function StaleNote({ list, age }: { list: ModelList; age: string | null }) {
  const headline = list.error ? troubleshoot(list.error).headline : 'The list may be out of date';
  const offline = list.error?.code === 'chatgpt_unreachable';
  return (
    <p className="panel-note panel-note-warn" role="status" data-code={list.error?.code}>
      <strong>{offline ? 'Offline' : headline}.</strong>{' '}
      {age ? `Showing the list saved ${age}.` : 'Showing the saved list.'}
    </p>
  );
}

function ModelChoices({
  models,
  selected,
  accountKey: key,
}: {
  models: ModelInfo[];
  selected: string | null;
  accountKey: string;
}) {
  const selecting = useKb((s) => s.selecting);
  const selectError = useKb((s) => s.selectError);
  const selectModel = useKb((s) => s.selectModel);
  const connected = useKb((s) => s.connection === 'open');
  return (
    <>
      <fieldset className="models" disabled={selecting !== null || !connected}>
        <legend className="sr-only">Default model</legend>
        {models.map((m) => {
          const checked = (selecting ?? selected) === m.slug;
          return (
            <label key={m.slug} className={checked ? 'model model-selected' : 'model'}>
              <input
                type="radio"
                name="default-model"
                value={m.slug}
                checked={checked}
                onChange={() => void selectModel(key, m.slug)}
              />
              <span className="model-text">
                <span className="model-name">
                  {m.displayName}
                  {selected === m.slug && <span className="model-default">Default</span>}
                </span>
                <span className="model-slug mono">{m.slug}</span>
                {m.description && <span className="model-desc">{m.description}</span>}
              </span>
            </label>
          );
        })}
      </fieldset>
      {selected === null && !selecting && (
        <p className="panel-note">Pick the default model tools should use.</p>
      )}
      {selectError && <Problem error={selectError} urgent />}
    </>
  );
}

function ModelsHelp({ plan, open }: { plan: string | null; open: boolean }) {
  const openPricing = useKb((s) => s.openPricing);
  const linkError = useKb((s) => s.linkError);
  return (
    <details className="help" open={open}>
      <summary>Models not appearing?</summary>
      <p>
        The models ChatGPT offers depend on your plan.{' '}
        {plan ? (
          <>
            This account is on the <strong>{plan}</strong> plan.
          </>
        ) : (
          'Keybridge could not tell this account’s plan.'
        )}{' '}
        Higher plans include more models. After a plan change the list follows at the next session refresh, or
        at once when you sign in again.
      </p>
      <button type="button" className="btn-link" onClick={() => void openPricing()}>
        Compare ChatGPT plans
      </button>
      {linkError && <p className="field-error">{linkError.message}</p>}
    </details>
  );
}
