/**
 * The explorer's browser side, bundled by ../buildExplorerBundle.ts: GraphiQL over the gateway,
 * with the schema from the published API schema, the registered operations in a sidebar, the
 * bearer token from the link's fragment in the header editor, and subscriptions over graphql-ws.
 */
import 'graphiql/graphiql.css';
import './explorer.css';

import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

import type { ExplorerSettings } from '../explorerPage.ts';
import { headersFromFragment } from './explorerHeaders.ts';
import { OPERATIONS_PLUGIN_TITLE, operationsPlugin } from './operationsPlugin.ts';
import { SCHEMA_QUERY_NAME, withDocumentOfQuery, withPublishedSchema } from './publishedSchemaFetcher.ts';

const WELCOME = `# The verograph GraphQL explorer.
#
# The apps' registered operations are in the sidebar (the star). Open this page as
# /#token=<JWT> to be signed in (npm run -s token -- USER_ID), or set the Authorization
# header below. Subscriptions (feedUpdated, postEngagement) run live over graphql-ws.

query Me {
  me {
    id
    username
    displayName
  }
}
`;

const settings = JSON.parse(document.getElementById('explorer-settings')?.textContent ?? '{}') as ExplorerSettings;
const graphqlUrl = new URL(settings.graphqlPath, window.location.href);
const subscriptionUrl = new URL(graphqlUrl);
subscriptionUrl.protocol = graphqlUrl.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = withPublishedSchema(
  withDocumentOfQuery(
    createGraphiQLFetcher({
      url: graphqlUrl.toString(),
      subscriptionUrl: subscriptionUrl.toString(),
      enableIncrementalDelivery: false,
    }),
  ),
  new URL(settings.schemaPath, window.location.href).toString(),
);
const headers = headersFromFragment(window.location.hash);
const plugin = operationsPlugin(settings.examples);

const root = document.getElementById('graphiql');
if (!root) throw new Error('the explorer page has no #graphiql element');
createRoot(root).render(
  createElement(GraphiQL, {
    fetcher,
    introspectionQueryName: SCHEMA_QUERY_NAME,
    plugins: [plugin],
    visiblePlugin: OPERATIONS_PLUGIN_TITLE,
    defaultTabs: [{ query: WELCOME, headers }],
    // Tabs kept from an earlier visit open with this link's token, never a stored one.
    defaultHeaders: headers,
    ...(headers ? { headers } : {}),
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: headers ? 'headers' : 'variables',
  }),
);
