/**
 * The small page the loopback receiver answers the browser with (RFC 8252 §7.3 leaves the content to the
 * app). Self-contained (no scripts, no outside resources) and never showing a token or code.
 */
export const SUCCESS_TITLE = 'Signed in — Keybridge';
export const SUCCESS_TEXT = "You're signed in to Keybridge. You can close this tab.";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, heading: string, paragraphs: string[], ok: boolean): string {
  const accent = ok ? '#137333' : '#b3261e';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; display: grid;
         place-items: center; min-height: 100vh; background: #f6f7f9; color: #1f2328; }
  main { max-width: 32rem; padding: 2rem 2.5rem; background: #fff; border-radius: 12px;
         box-shadow: 0 1px 4px rgba(0,0,0,.12); border-top: 4px solid ${accent}; }
  h1 { font-size: 1.3rem; margin: 0 0 .75rem; color: ${accent}; }
  p { margin: .5rem 0; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(heading)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
</main>
</body>
</html>
`;
}

export function successPage(): string {
  return page(SUCCESS_TITLE, "You're signed in to Keybridge.", ['You can close this tab.'], true);
}

/** `message` is already plain language with the next step (a KeybridgeError message, redacted). */
export function failurePage(message: string): string {
  return page(
    'Sign-in did not complete — Keybridge',
    'Sign-in did not complete',
    [
      message,
      'You can close this tab. Keybridge shows the same message; start the sign-in again from Keybridge if needed.',
    ],
    false,
  );
}

export function notFoundPage(): string {
  return page(
    'Not found — Keybridge',
    'Nothing here',
    ['This address only receives Keybridge sign-ins.'],
    false,
  );
}

/** Headers for every receiver answer: no caching of a URL that carried a code, no referrer, nothing loaded. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
} as const;
