/** Small inline SVG icons. Decorative: hidden from assistive tech; the controls around them carry the labels. */

export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg className="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <defs>
        <linearGradient id="kb-logo-fill" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#3b82f6" />
          <stop offset="1" stopColor="#6d28d9" />
        </linearGradient>
      </defs>
      <path
        d="M16 2.5 27 6.6v8.2c0 7-4.6 12.6-11 14.7C9.6 27.4 5 21.8 5 14.8V6.6L16 2.5Z"
        fill="url(#kb-logo-fill)"
      />
      <circle cx="16" cy="12.5" r="3.6" fill="none" stroke="#fff" strokeWidth="2.2" />
      <path
        d="M16 16.1v7.4m0-3.2h2.8m-2.8 2.6h2"
        fill="none"
        stroke="#fff"
        strokeWidth="2.2"
        strokeLinecap="round"
      />
    </svg>
  );
}

export function CopyIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <rect
        x="5.5"
        y="5.5"
        width="8"
        height="8"
        rx="1.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
      />
      <path
        d="M10.5 3.5v-.5A1.5 1.5 0 0 0 9 1.5H4A1.5 1.5 0 0 0 2.5 3v5A1.5 1.5 0 0 0 4 9.5h.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
      />
    </svg>
  );
}

export function CheckIcon() {
  return <StrokeIcon d="m3 8.5 3.2 3L13 4.5" strokeWidth={1.8} />;
}

export function WarningIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path
        d="M8 1.8 15 14H1L8 1.8Z"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
        strokeLinejoin="round"
      />
      <path d="M8 6.2v3.6" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      <circle cx="8" cy="11.9" r=".9" fill="currentColor" />
    </svg>
  );
}

export function LockIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <rect
        x="3"
        y="7"
        width="10"
        height="7.5"
        rx="1.6"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
      />
      <path d="M5.2 7V5a2.8 2.8 0 0 1 5.6 0v2" fill="none" stroke="currentColor" strokeWidth="1.4" />
    </svg>
  );
}

export function ExternalIcon() {
  return (
    <StrokeIcon
      d="M9 2.5h4.5V7M13.5 2.5 7.5 8.5M12 9.5v3A1.5 1.5 0 0 1 10.5 14h-7A1.5 1.5 0 0 1 2 12.5v-7A1.5 1.5 0 0 1 3.5 4h3"
      strokeWidth={1.4}
    />
  );
}

export function RefreshIcon() {
  return <StrokeIcon d="M13.5 8a5.5 5.5 0 1 1-1.6-3.9M13.5 2.5v3h-3" />;
}

export function SignOutIcon() {
  return <StrokeIcon d="M6.5 2.5h-3a1 1 0 0 0-1 1v9a1 1 0 0 0 1 1h3M10.5 11l3-3-3-3M13.5 8h-7" />;
}

/** Points down when closed, up when open. */
export function Chevron({ open }: { open: boolean }) {
  return (
    <StrokeIcon
      className="icon switcher-chevron"
      d={open ? 'm4 10 4-4 4 4' : 'm4 6 4 4 4-4'}
      strokeWidth={1.6}
    />
  );
}

/** One stroked path with round ends and joins: the shape most of these icons share. */
function StrokeIcon({
  d,
  strokeWidth = 1.5,
  className = 'icon',
}: {
  d: string;
  strokeWidth?: number;
  className?: string;
}) {
  return (
    <svg className={className} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path
        d={d}
        fill="none"
        stroke="currentColor"
        strokeWidth={strokeWidth}
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

export function Spinner({ small = false }: { small?: boolean }) {
  return <span className={small ? 'spinner spinner-small' : 'spinner'} aria-hidden="true" />;
}
