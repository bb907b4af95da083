import { StarIcon, useEditorContext, type GraphiQLPlugin } from '@graphiql/react';
import { createElement as h, type ReactElement } from 'react';

import type { ExplorerExample } from '../explorerExamples.ts';

export const OPERATIONS_PLUGIN_TITLE = 'Registered operations';

const HEADINGS = { query: 'Queries', mutation: 'Mutations', subscription: 'Subscriptions' } as const;

/**
 * A sidebar listing the frontend teams' registered operations (schema/operations): a click puts
 * one, with a skeleton of its required variables, in the current tab, as GraphiQL's history does.
 * In trusted-documents-only mode these are the operations the gateway runs.
 */
export function operationsPlugin(examples: readonly ExplorerExample[]): GraphiQLPlugin {
  function OperationsList(): ReactElement {
    const { queryEditor, variableEditor, setOperationName } = useEditorContext({ nonNull: true });
    const open = (example: ExplorerExample) => {
      queryEditor?.setValue(example.query);
      variableEditor?.setValue(example.variables);
      // At once: GraphiQL learns it from the editor only after a pause, and a quick run would
      // still send the operation name of the text it replaced.
      if (example.operationName) setOperationName(example.operationName);
    };
    const sections = (['query', 'mutation', 'subscription'] as const).map((kind) => {
      const ofKind = examples.filter((example) => example.kind === kind);
      if (ofKind.length === 0) return null;
      return h(
        'section',
        { key: kind, className: 'verograph-operations-section' },
        h('h3', null, HEADINGS[kind]),
        h(
          'ul',
          null,
          ofKind.map((example) =>
            h(
              'li',
              { key: example.name },
              h(
                'button',
                { type: 'button', 'data-operation': example.name, onClick: () => open(example) },
                example.name,
              ),
            ),
          ),
        ),
      );
    });
    return h(
      'div',
      { className: 'verograph-operations' },
      h('div', { className: 'graphiql-doc-explorer-title' }, OPERATIONS_PLUGIN_TITLE),
      h('p', null, 'What the apps send. A click puts one in the current tab; fill in its variables below.'),
      ...sections,
    );
  }
  return { title: OPERATIONS_PLUGIN_TITLE, icon: StarIcon, content: OperationsList };
}
