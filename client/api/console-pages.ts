import type { OutgoingHttpHeaders } from 'node:http';
import { TextBody } from './http';

/**
 * What the browser may do on a console page: our own script and stylesheet only (no inline
 * code, so text that slipped into markup still could not run), talk to this origin only, never
 * be framed, post forms only here.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** Sent with every console answer. */
export const CONSOLE_HEADERS: OutgoingHttpHeaders = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an HTML element or a quoted attribute: nothing in it is markup. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

const document = (title: string, body: string, head = ''): string => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · Klaxon</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/console/assets/console.css">${head}
</head>
<body>
${body}
</body>
</html>
`;

/** A console page; never cached, since it depends on who is signed in. */
export const htmlAnswer = (status: number, html: string, headers: OutgoingHttpHeaders = {}) => ({
  status,
  body: new TextBody(html, 'text/html; charset=utf-8', { ...CONSOLE_HEADERS, 'cache-control': 'no-store', ...headers }),
});

/** The sign-in form: one field, the personal API token; `next` is the console page to return to. */
export function signInPage(options: { message?: string; next?: string } = {}): string {
  return document(
    'Sign in',
    `<main id="main" class="sign-in">
  <h1>Sign in to Klaxon</h1>
  <p>Use a personal API token (<code>klaxon tokens create</code>). The console reads and changes incidents with that token's scopes, tenants and responder, and every read of audit data is recorded under its name.</p>
  ${options.message ? `<p role="alert" class="error">${escapeHtml(options.message)}</p>` : ''}
  <form method="post" action="/console/sign-in">
    <label for="token">Personal API token</label>
    <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
    ${options.next ? `<input type="hidden" name="next" value="${escapeHtml(options.next)}">` : ''}
    <button type="submit">Sign in</button>
  </form>
</main>`,
  );
}

/** Every signed-in page: the browser code (console/main.ts) renders `#main` from the REST API. */
export function shellPage(csrfToken: string): string {
  const csrf = escapeHtml(csrfToken);
  return document(
    'Console',
    `<header class="bar">
  <a class="brand" href="/console">Klaxon</a>
  <nav aria-label="Console"><a href="/console">Incidents</a> <a href="/console/compliance">Deadlines</a> <a href="/console/drills">Drills</a> <a href="/console/reviews">Reviews</a> <a href="/console/oncall">On call</a> <a href="/console/maintenance">Maintenance</a></nav>
  <span id="who"></span>
  <form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Sign out</button></form>
</header>
<main id="main"><p>Loading…</p></main>`,
    `\n  <meta name="klaxon-csrf" content="${csrf}">\n  <script type="module" src="/console/assets/console.js"></script>`,
  );
}

/** A page that says what went wrong, in words, with the way back; never a stack trace. */
export function problemPage(title: string, message: string): string {
  return document(
    title,
    `<main id="main" class="problem">
  <h1>${escapeHtml(title)}</h1>
  <p role="alert">${escapeHtml(message)}</p>
  <p><a href="/console">Back to the console</a></p>
</main>`,
  );
}
