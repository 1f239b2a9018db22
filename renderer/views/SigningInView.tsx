import { useState, type FormEvent } from 'react';
import type { Status } from '../../core/api/contract';
import { CopyButton } from '../components/CopyButton';
import { useFocusWhen, useNow } from '../components/hooks';
import { ExternalIcon, Spinner } from '../components/icons';
import { Problem } from '../components/Problem';
import { formatCountdown } from '../lib/time';
import { useKb } from '../store';
import { DeviceCodeView, SignInWithCodeButton } from './DeviceCodeView';

export function SigningInView({ status }: { status: Status }) {
  const signIn = status.signIn;
  const pending = useKb((s) => s.pending);
  const error = useKb((s) => s.error);
  const connected = useKb((s) => s.connection === 'open');
  const cancel = useKb((s) => s.cancelSignIn);
  const openAgain = useKb((s) => s.openSignInLinkAgain);
  const pasteOpen = useKb((s) => s.pasteOpen);
  const togglePaste = useKb((s) => s.togglePaste);
  const busy = pending !== null || !connected;
  if (signIn?.method === 'device') return <DeviceCodeView signIn={signIn} />;

  return (
    <section className="view" aria-labelledby="view-title">
      <div className="waiting">
        <Spinner />
        <h1 id="view-title" className="title" tabIndex={-1}>
          Waiting for the browser…
        </h1>
      </div>
      <p className="lede">Finish signing in on the OpenAI page in your browser, then come back here.</p>
      {signIn && <TimeLeft expiresAt={signIn.expiresAt} />}
      {error && <Problem error={error} urgent />}

      <div className="actions-row">
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void openAgain()}
          disabled={!signIn}
          aria-label="Open the sign-in page again"
        >
          <ExternalIcon />
          <span>Open again</span>
        </button>
        {signIn && <CopyButton text={signIn.url} label="Copy sign-in link" visibleLabel="Copy link" />}
      </div>

      <button
        type="button"
        className="btn-link"
        aria-expanded={pasteOpen}
        aria-controls="paste-form"
        onClick={() => togglePaste()}
      >
        Paste redirect URL
      </button>
      {pasteOpen && <PasteForm redirectUri={signIn?.redirectUri} />}

      <div className="actions">
        <SignInWithCodeButton className="btn btn-secondary btn-block" />
        <button
          type="button"
          className="btn btn-ghost btn-block"
          onClick={() => void cancel()}
          disabled={busy}
        >
          {pending === 'cancel' ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
    </section>
  );
}

function TimeLeft({ expiresAt }: { expiresAt: string }) {
  const now = useNow(1000);
  const left = Date.parse(expiresAt) - now;
  if (Number.isNaN(left)) return null;
  return (
    <p className="meta" aria-live="off">
      {left > 0 ? <>Times out in {formatCountdown(left)}</> : 'Timing out…'}
    </p>
  );
}

function PasteForm({ redirectUri }: { redirectUri: string | undefined }) {
  const [value, setValue] = useState('');
  const submit = useKb((s) => s.submitRedirectUrl);
  const pasteError = useKb((s) => s.pasteError);
  const pending = useKb((s) => s.pending);
  const connected = useKb((s) => s.connection === 'open');
  const input = useFocusWhen<HTMLInputElement>(true);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (await submit(value)) setValue('');
  }

  return (
    <form id="paste-form" className="paste" onSubmit={(e) => void onSubmit(e)} noValidate>
      <label htmlFor="redirect-url" className="label">
        Redirect URL
      </label>
      <p id="redirect-url-hint" className="hint">
        If the browser shows a page that did not load, copy its full address
        {redirectUri ? (
          <>
            {' '}
            (it starts with <code className="mono">{redirectUri}</code>)
          </>
        ) : null}{' '}
        and paste it here.
      </p>
      <input
        ref={input}
        id="redirect-url"
        className="input mono"
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="http://localhost:1455/auth/callback?code=…"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        aria-describedby={pasteError ? 'redirect-url-hint redirect-url-error' : 'redirect-url-hint'}
        aria-invalid={pasteError ? true : undefined}
      />
      {pasteError && (
        <p id="redirect-url-error" className="field-error" role="alert">
          {pasteError}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={pending !== null || !connected}>
        {pending === 'openUrl' ? 'Checking…' : 'Submit'}
      </button>
    </form>
  );
}
