import type { ExplorerExample } from './explorerExamples.ts';

/** Where the explorer's parts are served; the page and the bundle agree on these. */
export const EXPLORER_PATHS = {
  page: '/',
  script: '/explorer/explorer.js',
  style: '/explorer/explorer.css',
  schema: '/schema.graphql',
  graphql: '/graphql',
} as const;

/** What the page hands the bundle (browser/explorerApp.ts), as JSON in the page. */
export interface ExplorerSettings {
  readonly graphqlPath: string;
  readonly schemaPath: string;
  readonly examples: readonly ExplorerExample[];
}

export interface ExplorerPage {
  readonly html: string;
  readonly contentSecurityPolicy: string;
}

/**
 * Everything comes from this origin, nothing from the internet. GraphiQL's stylesheet carries
 * its fonts and a few images as data: URLs. Styles are the bundle's stylesheet only: GraphiQL
 * and CodeMirror set their inline styles through the CSSOM, which CSP does not govern.
 * `connect-src 'self'` also covers the same origin's ws:/wss: (CSP Level 3), where
 * subscriptions run.
 */
export const EXPLORER_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The explorer's page: a shell that loads the GraphiQL bundle from this origin and hands it its
 * settings (the registered operations among them) as an inert JSON block.
 */
export function explorerPage(examples: readonly ExplorerExample[]): ExplorerPage {
  const settings: ExplorerSettings = {
    graphqlPath: EXPLORER_PATHS.graphql,
    schemaPath: EXPLORER_PATHS.schema,
    examples,
  };
  // `<` is escaped so an operation's text can never close the script element.
  const settingsJson = JSON.stringify(settings).replace(/</g, '\\u003c');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>verograph · GraphiQL</title>
<link rel="stylesheet" href="${EXPLORER_PATHS.style}">
</head>
<body>
<div id="graphiql"><noscript>The explorer needs JavaScript; GraphQL itself is at ${EXPLORER_PATHS.graphql}.</noscript></div>
<script type="application/json" id="explorer-settings">${settingsJson}</script>
<script src="${EXPLORER_PATHS.script}"></script>
</body>
</html>
`;
  return { html, contentSecurityPolicy: EXPLORER_CONTENT_SECURITY_POLICY };
}
