import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { createTeardown } from './teardown.ts';

describe('createTeardown', () => {
  it('closes the last started first, each awaited before the next', async () => {
    const order: string[] = [];
    const teardown = createTeardown();
    for (const what of ['services', 'admin', 'watch']) {
      teardown.add(what, async () => {
        order.push(`${what} start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(`${what} end`);
      });
    }
    expect(await teardown.run()).toEqual([]);
    expect(order).toEqual(['watch start', 'watch end', 'admin start', 'admin end', 'services start', 'services end']);
  });

  it('given a close that rejects (a kafkajs client whose connection was closed), then it is reported and the rest still close', async () => {
    const closed: string[] = [];
    const teardown = createTeardown();
    teardown.add('services', async () => void closed.push('services'));
    teardown.add('admin', () => {
      const error = new Error('Closed connection');
      error.name = 'KafkaJSConnectionClosedError';
      return Promise.reject(error);
    });
    teardown.add('watch', async () => void closed.push('watch'));
    expect(await teardown.run()).toEqual(['admin: KafkaJSConnectionClosedError: Closed connection']);
    expect(closed).toEqual(['watch', 'services']);
  });

  it('given a close that throws before returning a promise, or hangs, then it is reported and the rest still close', async () => {
    const closed: string[] = [];
    const teardown = createTeardown(50);
    teardown.add('services', async () => void closed.push('services'));
    teardown.add('hangs', () => new Promise(() => undefined));
    teardown.add('throws', () => {
      throw new Error('boom');
    });
    expect(await teardown.run()).toEqual(['throws: Error: boom', 'hangs: Error: did not finish within 0.05 s']);
    expect(closed).toEqual(['services']);
  });
});

describe('trapUnhandled', () => {
  // In a process of its own: the test runner has its own handlers for what escapes.
  it('given a rejection nobody handles (what killed the soak at teardown), then the process records it and lives on', () => {
    const module = fileURLToPath(new URL('./teardown.ts', import.meta.url));
    const script = `
      const { trapUnhandled } = await import(${JSON.stringify(module)});
      const trap = trapUnhandled();
      const error = new Error('Closed connection'); error.name = 'KafkaJSConnectionClosedError';
      Promise.reject(error);
      await new Promise((resolve) => setTimeout(resolve, 50));
      trap.release();
      console.log(JSON.stringify(trap.seen));`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual(['unhandled rejection: KafkaJSConnectionClosedError: Closed connection']);
  });
});
