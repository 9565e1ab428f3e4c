import type { ApiRegistry } from '../http/api-registry.js';

const AUTH_LABEL = { public: 'public', session: 'session cookie', actor: 'session or token' };

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Browsable API docs: a static page (no scripts, so the strict CSP holds) listing every operation. */
export function apiDocsPage(registry: ApiRegistry): string {
  const rows = registry.operations
    .map(
      (op) =>
        `<tr><td><code>${op.method}</code></td><td><code>${escapeHtml(op.url)}</code></td><td>${escapeHtml(op.summary)}</td><td>${AUTH_LABEL[op.auth]}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TrialVault API</title></head>
<body>
<h1>TrialVault API</h1>
<p>The machine-readable description is <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).
Errors are <code>{"error": {"code", "message"}}</code> with the codes of docs/errors.md.
Browser sessions use the <code>__Host-tv_session</code> cookie and send the <code>__Host-tv_csrf</code> cookie's value
in the <code>x-csrf-token</code> header on every POST, PUT and DELETE; integrations send
<code>Authorization: Bearer &lt;token&gt;</code>.</p>
<table>
<thead><tr><th>method</th><th>path</th><th>what</th><th>auth</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
