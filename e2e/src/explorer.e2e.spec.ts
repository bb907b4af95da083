/** The explorer page, as a person uses it: headless Chromium, no internet, a query run from the page. */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (CI installs it)`);
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

describe('the GraphQL explorer', () => {
  it('loads from the gateway alone and runs a query', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('http://127.0.0.1')) outside.push(request.url());
    });
    const gateway = new URL(inject('gatewayUrl'));
    const response = await page.goto(`${gateway.origin}/`);
    expect(response?.status()).toBe(200);
    await page.fill(
      '#query',
      '{ __typename search(query: "nobody-matches-this", first: 1) { pageInfo { hasNextPage } } }',
    );
    await page.click('#run');
    await page.waitForSelector('#result:has-text("data")');
    const result = JSON.parse((await page.textContent('#result')) ?? '{}') as {
      data?: { __typename: string; search: { pageInfo: { hasNextPage: boolean } } };
    };
    expect(result.data).toEqual({ __typename: 'Query', search: { pageInfo: { hasNextPage: false } } });
    expect(outside).toEqual([]);
    await page.screenshot({ path: join(tmpdir(), 'verograph-explorer.png') });
  });
});
