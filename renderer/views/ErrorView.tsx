import type { Status } from '../../core/api/contract';
import { troubleshoot } from '../lib/troubleshooting';
import { SignInButton } from './SignInButton';

/** Something the session cannot get past by itself (e.g. a vault that could not be read and was moved aside). */
export function ErrorView({ status }: { status: Status }) {
  const error = status.lastError ?? { code: 'internal', message: '' };
  const help = troubleshoot(error);
  return (
    <section className="view" aria-labelledby="view-title">
      <h1 id="view-title" className="title" tabIndex={-1}>
        {help.headline}
      </h1>
      <div className="problem">
        <div className="problem-body">
          {error.message && <p className="problem-message">{error.message}</p>}
          <p className="problem-next">{help.nextStep}</p>
        </div>
      </div>
      <div className="actions">
        <SignInButton />
      </div>
    </section>
  );
}
