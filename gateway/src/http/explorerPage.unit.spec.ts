import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { explorerPage } from './explorerPage.ts';

describe('explorer page', () => {
  const page = explorerPage([{ name: 'Evil', document: 'query Evil { x } </script><script>alert(1)</script>' }]);

  it('allows exactly its own inline script and style, and requests to its own origin', () => {
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.html)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(page.html)?.[1] ?? '';
    const hash = (text: string) => `sha256-${createHash('sha256').update(text).digest('base64')}`;
    expect(page.contentSecurityPolicy).toContain(`script-src '${hash(script)}'`);
    expect(page.contentSecurityPolicy).toContain(`style-src '${hash(style)}'`);
    expect(page.contentSecurityPolicy).toContain("default-src 'none'");
    expect(page.contentSecurityPolicy).toContain("connect-src 'self'");
  });

  it('cannot be broken out of by an example operation', () => {
    expect(page.html.match(/<script>/g)).toHaveLength(1);
    expect(page.html).toContain('\\u003c/script>');
  });
});
