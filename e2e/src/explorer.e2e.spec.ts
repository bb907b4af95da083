/**
 * The explorer as a person uses it: a small demo network is loaded (`npm run demo`'s loader), and
 * headless Chromium opens GraphiQL from the link the demo printed for one of its people
 * (`/#token=…`), with nothing from the internet; runs the home feed from the registered
 * operations; starts `feedUpdated` in a tab of its own and sees a post arrive live from someone
 * that person follows.
 * Screenshots go to e2e/artifacts/ (git-ignored), for a person to look at.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { defaultSize, runDemo } from '@verograph/demo';
import { repoRoot } from '@verograph/stack';
import { buildSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { eventually, graphqlClient } from './graphqlClient.ts';
import { post, type Person } from './liveWorld.ts';
import { tokenFor } from './system.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(repoRoot, 'e2e/artifacts');
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (CI installs it)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

const PANES = {
  query: '.graphiql-query-editor .CodeMirror',
  headers: '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror',
  response: '.graphiql-response .CodeMirror',
} as const;

/** The page's document, typed as much as these specs use of it (the e2e package has no DOM types). */
type EditorDocument = { querySelector(selector: string): { CodeMirror?: { getValue(): string } } | null };

/**
 * What an editor pane holds: CodeMirror draws only the lines in view, so the text is read from
 * the editor instance its element carries. A function, not a string: the page's CSP forbids eval.
 */
function editorText(page: Page, pane: keyof typeof PANES): Promise<string> {
  return page.evaluate(
    (selector) =>
      (globalThis as unknown as { document: EditorDocument }).document
        .querySelector(selector)
        ?.CodeMirror?.getValue() ?? '',
    PANES[pane],
  );
}

async function waitForResponse(page: Page, text: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    ([selector, expected]) =>
      (globalThis as unknown as { document: EditorDocument }).document
        .querySelector(selector)
        ?.CodeMirror?.getValue()
        .includes(expected) ?? false,
    [PANES.response, text] as const,
    { timeout },
  );
}

describe('the GraphQL explorer (GraphiQL)', () => {
  const gateway = new URL(inject('gatewayUrl'));
  const run = randomUUID().slice(0, 8);
  let reader: Person;
  let author: Person;
  /** The link the demo printed for the reader: the explorer, signed in as them. */
  let link: string;

  beforeAll(async () => {
    const demo = await runDemo({
      seed: `e2e-explorer-${run}`,
      size: { ...defaultSize, users: 40, readers: 20, posts: 120 },
      explorerUrl: `${gateway.origin}/`,
      print: () => undefined,
    });
    // The demo's avid reader, and the author they follow with the most followers.
    const persona = demo.personas.find((p) => p.description.startsWith('a reader who follows'));
    if (!persona) throw new Error(`the demo printed no reader: ${demo.personas.map((p) => p.description).join('; ')}`);
    link = persona.link;
    const person = (id: string, token: string): Person => {
      const user = demo.network.users.find((u) => u.id === id)!;
      return {
        id,
        name: user.username,
        displayName: user.displayName,
        token,
        http: graphqlClient(gateway.toString(), token),
      };
    };
    reader = person(persona.userId, persona.token);
    const followees = new Set(demo.network.follows.filter((f) => f.followerId === reader.id).map((f) => f.followeeId));
    const followers = (id: string) => demo.network.follows.filter((f) => f.followeeId === id).length;
    const followed = [...followees].sort((a, b) => followers(b) - followers(a) || (a < b ? -1 : 1))[0]!;
    author = person(followed, await tokenFor(followed));
  });

  it('serves the published API schema, which the page learns the schema from', async () => {
    const response = await fetch(`${gateway.origin}/schema.graphql`, {
      headers: { authorization: `Bearer ${reader.token}` },
    });
    expect(response.status).toBe(200);
    const published = await readFile(join(repoRoot, 'schema/api.graphql'), 'utf8');
    const canonical = (sdl: string) => printSchema(lexicographicSortSchema(buildSchema(sdl)));
    expect(canonical(await response.text())).toBe(canonical(published));
  });

  it('opens signed in from a link, runs the home feed, and shows a post arriving over feedUpdated', async () => {
    const earlier = await post(author, 'FOLLOWERS', `explorer earlier ${run}`);
    // The feed projector's work, given time on a busy machine.
    await eventually(
      () =>
        reader.http.request<{ feed: { edges: { node: { id: string } }[] } }>(
          '{ feed(first: 50) { edges { node { id } } } }',
        ),
      (result) => (result.data?.feed.edges ?? []).some((edge) => edge.node.id === earlier),
      { timeoutMs: 60_000, what: `the post ${earlier} in the reader's feed` },
    );

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const outside: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['http:', 'ws:', 'data:'].includes(url.protocol) || url.hostname !== gateway.hostname) {
        if (url.protocol !== 'data:') outside.push(request.url());
      }
    });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    // On a failure, what the page showed: a screenshot, the response pane and the console's errors.
    const responseShows = (text: string) =>
      waitForResponse(page, text).catch(async (error: unknown) => {
        await page.screenshot({ path: join(ARTIFACTS, 'explorer-failure.png') });
        const shown = await editorText(page, 'response');
        throw new Error(`${String(error)}\nthe response pane: ${shown}\nthe console: ${problems.join('; ')}`);
      });

    // The demo's link: the token rides in the fragment, which the browser never sends, so the
    // gateway's logs never see it.
    expect(link).toBe(`${gateway.origin}/#token=${reader.token}`);
    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    await page.waitForSelector('.graphiql-container');
    await page.waitForSelector('button[data-operation="HomeFeed"]');
    expect(JSON.parse(await editorText(page, 'headers'))).toEqual({ Authorization: `Bearer ${reader.token}` });

    // Schema docs: the documentation explorer lists the root types from the published schema.
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer >> text=Subscription');
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-1-docs.png') });

    // A registered operation, run as the reader: the home feed shows the author's post.
    await page.click('button[aria-label="Show Registered operations"]');
    await page.click('button[data-operation="HomeFeed"]');
    expect(await editorText(page, 'query')).toContain('query HomeFeed');
    await page.click('.graphiql-execute-button');
    await responseShows(`explorer earlier ${run}`);
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-2-home-feed.png') });

    // feedUpdated in a tab of its own, live over graphql-ws with the header editor's token.
    await page.click('.graphiql-tab-add');
    await page.click('button[data-operation="FeedUpdated"]');
    expect(await editorText(page, 'query')).toContain('subscription FeedUpdated');
    await page.click('.graphiql-execute-button');
    // The subscription is open when the button offers to stop it.
    await page.waitForSelector('.graphiql-execute-button[aria-label="Stop query (Ctrl-Enter)"]');
    const live = await post(author, 'FOLLOWERS', `explorer live ${run}`);
    await responseShows(live);
    expect(await editorText(page, 'response')).toContain(`explorer live ${run}`);
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-3-feed-updated.png') });

    expect(outside).toEqual([]);
    // No Content-Security-Policy violation, no script error.
    expect(problems).toEqual([]);
    await page.close();
  });
});
