import { createHash } from 'node:crypto';

export interface ExplorerExample {
  readonly name: string;
  readonly document: string;
}

export interface ExplorerPage {
  readonly html: string;
  /** Allows only the page's own inline style and script and requests to this origin: nothing from the internet. */
  readonly contentSecurityPolicy: string;
}

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; display: grid; grid-template-rows: auto 1fr; height: 100vh; }
header { display: flex; gap: .75rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid #8884; flex-wrap: wrap; }
header h1 { font-size: 1rem; margin: 0 1rem 0 0; }
header label { display: flex; gap: .35rem; align-items: center; font-size: .85rem; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem; padding: .75rem 1rem; min-height: 0; }
section { display: flex; flex-direction: column; gap: .5rem; min-height: 0; }
textarea, pre, input, select { font: 13px/1.4 ui-monospace, monospace; }
textarea { flex: 1; resize: none; padding: .5rem; }
#variables { flex: 0 0 7rem; }
pre { flex: 1; margin: 0; padding: .5rem; overflow: auto; border: 1px solid #8884; white-space: pre-wrap; }
#token { width: 22rem; }
button { padding: .35rem 1.2rem; font-weight: 600; }
#status { font-size: .85rem; opacity: .8; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var byId = function (id) { return document.getElementById(id); };
  var examples = JSON.parse(byId('examples').textContent || '[]');
  var endpoint = new URL('graphql', window.location.href).toString();
  var saved = function (key, fallback) { try { return window.localStorage.getItem(key) || fallback; } catch (e) { return fallback; } };
  var save = function (key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ } };

  var select = byId('example');
  examples.forEach(function (example, index) {
    var option = document.createElement('option');
    option.value = String(index);
    option.textContent = example.name;
    select.appendChild(option);
  });
  select.addEventListener('change', function () {
    var example = examples[Number(select.value)];
    if (example) { byId('query').value = example.document; byId('operationName').value = ''; }
  });

  byId('query').value = saved('verograph.query', '{\\n  me {\\n    id\\n    username\\n  }\\n}\\n');
  byId('variables').value = saved('verograph.variables', '');
  byId('token').value = saved('verograph.token', '');

  function show(text, status) {
    byId('result').textContent = text;
    byId('result').setAttribute('data-status', status);
  }

  function run() {
    var query = byId('query').value;
    var rawVariables = byId('variables').value.trim();
    var token = byId('token').value.trim();
    var operationName = byId('operationName').value.trim();
    save('verograph.query', query);
    save('verograph.variables', rawVariables);
    save('verograph.token', token);
    var body = { query: query };
    if (rawVariables) {
      try { body.variables = JSON.parse(rawVariables); }
      catch (error) { show('Variables are not valid JSON: ' + error.message, 'invalid-variables'); return; }
    }
    if (operationName) body.operationName = operationName;
    var headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    if (token) headers.authorization = /^bearer\\s/i.test(token) ? token : 'Bearer ' + token;
    var started = performance.now();
    byId('run').disabled = true;
    byId('status').textContent = 'running…';
    fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify(body) })
      .then(function (response) {
        return response.text().then(function (text) {
          var pretty = text;
          try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (error) { /* not JSON: show as is */ }
          show(pretty, String(response.status));
          byId('status').textContent = 'HTTP ' + response.status + ' · ' + Math.round(performance.now() - started) + ' ms';
        });
      })
      .catch(function (error) {
        show('The request failed: ' + error.message, 'network-error');
        byId('status').textContent = 'failed';
      })
      .finally(function () { byId('run').disabled = false; });
  }

  byId('run').addEventListener('click', run);
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });
  document.body.setAttribute('data-ready', 'true');
})();
`;

/**
 * The GraphQL explorer the gateway serves at `/`: one self-contained page (no CDN, no
 * framework) with the query, variables, an operation name, the bearer token and the result.
 * The frontend teams' operations are offered as examples.
 */
export function explorerPage(examples: readonly ExplorerExample[]): ExplorerPage {
  // `<` is escaped so an operation's text can never close the script element.
  const examplesJson = JSON.stringify(examples).replace(/</g, '\\u003c');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>verograph · GraphQL explorer</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>verograph GraphQL</h1>
  <label>Example <select id="example"><option value="">—</option></select></label>
  <label>Operation <input id="operationName" placeholder="name (optional)" size="14"></label>
  <label>Token <input id="token" placeholder="Bearer token (npm run -s token -- USER_ID)" autocomplete="off"></label>
  <button id="run" type="button" title="Ctrl+Enter">Run</button>
  <span id="status" role="status"></span>
</header>
<main>
  <section>
    <textarea id="query" spellcheck="false" aria-label="Query"></textarea>
    <textarea id="variables" spellcheck="false" aria-label="Variables (JSON)" placeholder='Variables, e.g. {"first": 10}'></textarea>
  </section>
  <section>
    <pre id="result" aria-label="Result" aria-live="polite"></pre>
  </section>
</main>
<script type="application/json" id="examples">${examplesJson}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src '${sha256(SCRIPT)}'`,
    `style-src '${sha256(STYLE)}'`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('base64')}`;
}
