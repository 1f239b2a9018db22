import { Problem } from '../components/Problem';
import { Spinner } from '../components/icons';
import { useKb } from '../store';

/** The one "Sign in with OpenAI" button, with the error of a failed attempt to start a sign-in. */
export function SignInButton() {
  const signIn = useKb((s) => s.signIn);
  const pending = useKb((s) => s.pending);
  const error = useKb((s) => s.error);
  const connected = useKb((s) => s.connection === 'open');
  return (
    <>
      {error && <Problem error={error} urgent />}
      <button
        type="button"
        className="btn btn-primary btn-block"
        onClick={() => void signIn()}
        disabled={pending !== null || !connected}
      >
        {pending === 'signIn' && <Spinner small />}
        <span>{pending === 'signIn' ? 'Starting sign-in…' : 'Sign in with OpenAI'}</span>
      </button>
    </>
  );
}
