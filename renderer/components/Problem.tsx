import { troubleshoot } from '../lib/troubleshooting';
import { WarningIcon } from './icons';

interface Props {
  error: { code: string; message: string };
  /** Announce immediately (an action the user just took failed) instead of with the polite status line. */
  urgent?: boolean;
  /** Replace the troubleshooting headline (the view's own heading already says it). */
  hideHeadline?: boolean;
}

/** An error with its troubleshooting headline, the host's message and the next step. */
export function Problem({ error, urgent = false, hideHeadline = false }: Props) {
  const help = troubleshoot(error);
  return (
    <div className="problem" role={urgent ? 'alert' : undefined} data-code={error.code}>
      <WarningIcon />
      <div className="problem-body">
        {!hideHeadline && <p className="problem-headline">{help.headline}</p>}
        {error.message && error.message !== help.headline && (
          <p className="problem-message">{error.message}</p>
        )}
        <p className="problem-next">{help.nextStep}</p>
      </div>
    </div>
  );
}
