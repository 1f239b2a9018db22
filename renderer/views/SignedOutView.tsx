import type { Status } from '../../core/api/contract';
import { Problem } from '../components/Problem';
import { SignInWithCodeButton } from './DeviceCodeView';
import { SignInButton } from './SignInButton';

export function SignedOutView({ status }: { status: Status }) {
  return (
    <section className="view" aria-labelledby="view-title">
      <h1 id="view-title" className="title" tabIndex={-1}>
        Connect your OpenAI account
      </h1>
      <p className="lede">
        Sign in with ChatGPT once. Keybridge keeps the session fresh and hands short-lived credentials to your
        local tools, so each one no longer signs in on its own.
      </p>
      {status.lastError && <Problem error={status.lastError} />}
      <div className="actions">
        <SignInButton />
        <SignInWithCodeButton />
      </div>
      <p className="fine">
        Opens OpenAI in your browser. Keybridge never sees your password. On a machine the browser cannot
        return to (over SSH, in a container), sign in with a code instead.
      </p>
    </section>
  );
}
