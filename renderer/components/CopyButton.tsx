import { useCopy } from './hooks';
import { CheckIcon, CopyIcon } from './icons';

interface Props {
  text: string;
  /** What is copied, for the accessible name: "Copy account ID". */
  label: string;
  /** Show the word next to the icon ("Copy link") instead of an icon-only button. */
  visibleLabel?: string;
  className?: string;
}

export function CopyButton({ text, label, visibleLabel, className }: Props) {
  const [state, copy] = useCopy();
  const copied = state === 'copied';
  return (
    <>
      <button
        type="button"
        className={className ?? (visibleLabel ? 'btn btn-secondary' : 'icon-btn')}
        aria-label={visibleLabel ? undefined : copied ? `${label}: copied` : label}
        title={visibleLabel ? undefined : label}
        onClick={() => void copy(text)}
      >
        {copied ? <CheckIcon /> : <CopyIcon />}
        {visibleLabel && <span>{copied ? 'Copied' : visibleLabel}</span>}
      </button>
      <span className="sr-only" aria-live="polite">
        {copied ? 'Copied to the clipboard' : ''}
      </span>
      {state === 'failed' && (
        <input
          className="copy-fallback"
          readOnly
          value={text}
          aria-label={`${label}: the clipboard is not available, select and copy this text`}
          onFocus={(e) => e.currentTarget.select()}
        />
      )}
    </>
  );
}
