import { describe, expect, it } from 'vitest';

import { EXPLORER_PATHS, explorerPage, type ExplorerSettings } from './explorerPage.ts';

describe('the explorer page', () => {
  const page = explorerPage([
    {
      name: 'Evil',
      kind: 'query',
      operationName: 'Evil',
      query: 'query Evil { x } </script><script>alert(1)</script>',
      variables: '',
    },
  ]);

  it('runs only scripts and styles from its own origin, and talks only to its own origin', () => {
    const directives = Object.fromEntries(
      page.contentSecurityPolicy.split('; ').map((directive) => {
        const [name, ...sources] = directive.split(' ');
        return [name, sources.join(' ')];
      }),
    );
    expect(directives).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self'",
      'frame-ancestors': "'none'",
    });
    expect(page.contentSecurityPolicy).not.toContain('unsafe');
    expect(page.html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(page.html).toContain(`<script src="${EXPLORER_PATHS.script}"></script>`);
  });

  it('hands the bundle its settings in an inert block that an operation cannot break out of', () => {
    expect(page.html.match(/<script/g)).toHaveLength(2);
    const settingsJson = /<script type="application\/json" id="explorer-settings">([\s\S]*?)<\/script>/.exec(
      page.html,
    )?.[1];
    const settings = JSON.parse(settingsJson ?? '{}') as ExplorerSettings;
    expect(settings.examples[0]?.query).toBe('query Evil { x } </script><script>alert(1)</script>');
    expect(settings).toMatchObject({ graphqlPath: '/graphql', schemaPath: '/schema.graphql' });
  });
});
