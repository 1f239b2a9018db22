import type { Status } from '../../core/api/contract';
import { troubleshoot } from '../lib/troubleshooting';
import { SignInButton } from './SignInButton';

/** The refresh token is gone (expired, revoked or reused): one clear message, and no automatic retry. */
export function ExpiredView({ status }: { status: Status }) {
  const nextStep = troubleshoot({ code: status.lastError?.code ?? 'relogin_required' }).nextStep;
  return (
    <section className="view" aria-labelledby="view-title">
      <h1 id="view-title" className="title" tabIndex={-1}>
        Your session ended — sign in again
      </h1>
      <div className="problem problem-quiet">
        <div className="problem-body">
          {status.lastError?.message && <p className="problem-message">{status.lastError.message}</p>}
          <p className="problem-next">{nextStep}</p>
        </div>
      </div>
      <div className="actions">
        <SignInButton />
      </div>
    </section>
  );
}
