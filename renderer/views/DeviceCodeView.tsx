import type { SignInInfo } from '../../core/api/contract';
import { CopyButton } from '../components/CopyButton';
import { useNow } from '../components/hooks';
import { ExternalIcon, Spinner } from '../components/icons';
import { Problem } from '../components/Problem';
import { formatCountdown } from '../lib/time';
import { useKb } from '../store';

/**
 * "Sign in with a code" (a device-code sign-in, docs/remote.md): the code to type on OpenAI's page, a copy
 * button, the page's address and how long the code lasts. Keybridge polls on its own; nothing comes back
 * to this machine through the browser.
 */
export function DeviceCodeView({ signIn }: { signIn: SignInInfo }) {
  const pending = useKb((s) => s.pending);
  const error = useKb((s) => s.error);
  const connected = useKb((s) => s.connection === 'open');
  const cancel = useKb((s) => s.cancelSignIn);
  const openAgain = useKb((s) => s.openSignInLinkAgain);
  const code = signIn.userCode ?? '';
  const page = signIn.verificationUrl ?? signIn.url;

  return (
    <section className="view" aria-labelledby="view-title">
      <div className="waiting">
        <Spinner />
        <h1 id="view-title" className="title" tabIndex={-1}>
          Enter this code on OpenAI’s page
        </h1>
      </div>
      <p className="lede">
        On any device, open <span className="mono">{page}</span>, sign in, and type the code below. Never give
        this code to anyone else.
      </p>
      <p className="device-code mono">
        <span className="sr-only">Your sign-in code: </span>
        <span>{code}</span>
      </p>
      <CodeTimeLeft expiresAt={signIn.expiresAt} />
      {error && <Problem error={error} urgent />}

      <div className="actions-row">
        <CopyButton text={code} label="Copy the sign-in code" visibleLabel="Copy code" />
        <button type="button" className="btn btn-secondary" onClick={() => void openAgain()}>
          <ExternalIcon />
          <span>Open page</span>
        </button>
      </div>

      <div className="actions">
        <button
          type="button"
          className="btn btn-ghost btn-block"
          onClick={() => void cancel()}
          disabled={pending !== null || !connected}
        >
          {pending === 'cancel' ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
    </section>
  );
}

function CodeTimeLeft({ expiresAt }: { expiresAt: string }) {
  const now = useNow(1000);
  const left = Date.parse(expiresAt) - now;
  if (Number.isNaN(left)) return null;
  return (
    <p className="meta" aria-live="off">
      {left > 0 ? <>The code expires in {formatCountdown(left)}</> : 'The code has expired.'}
    </p>
  );
}

/** Switches to (or starts) a sign-in with a code: for a machine the browser's redirect cannot reach. */
export function SignInWithCodeButton({ className = 'btn btn-secondary btn-block' }: { className?: string }) {
  const start = useKb((s) => s.signInWithCode);
  const pending = useKb((s) => s.pending);
  const connected = useKb((s) => s.connection === 'open');
  return (
    <button
      type="button"
      className={className}
      onClick={() => void start()}
      disabled={pending !== null || !connected}
    >
      {pending === 'signInWithCode' && <Spinner small />}
      <span>{pending === 'signInWithCode' ? 'Getting a code…' : 'Sign in with a code'}</span>
    </button>
  );
}
