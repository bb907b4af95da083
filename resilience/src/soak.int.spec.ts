/**
 * The soak's short version, as CI runs it: `runSoak` (bench/src/soak.ts, the code behind
 * `npm run soak -- --minutes 30`) for SOAK_MINUTES (2 by default) against the whole system on
 * private engines: mixed reads, writes and live subscriptions, a line a minute, and the verdict.
 * Two minutes say little about memory (one minute of warm-up, one after it): this run holds
 * the soak to zero errors and a bounded lag, and proves the soak itself works; the 30-minute
 * run is what shows RSS flat.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

import { defaultSoakOptions, runSoak } from '@verograph/bench/soak';
import { createKafka } from '@verograph/messaging';

import { createCleanups } from './cleanups.ts';
import { createPrivateStack, type PrivateStack } from './privateStack.ts';
import { startSystem, type RunningSystem } from './system.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 2);

const cleanups = createCleanups();
let stack: PrivateStack;
let system: RunningSystem;

beforeAll(async () => {
  stack = await createPrivateStack(['kafka', 'cassandra', 'elasticsearch', 'postgres']);
  cleanups.add('destroying the private stack', () => stack.destroy());
  await stack.up('kafka', 'cassandra', 'elasticsearch', 'postgres');
  system = await startSystem({ ...stack.addresses });
  cleanups.add('stopping the services', () => system.stop());
}, 480_000);

afterAll(() => cleanups.runAll(), 180_000);

describe(`the soak, ${MINUTES} minutes`, () => {
  it(
    'runs mixed load with no error and a bounded consumer lag, printing a line a minute',
    async () => {
      onTestFailed(() => {
        const file = join(tmpdir(), `resilience-soak-${process.pid}.log`);
        system.writeLog(file);
        console.error(`resilience: the services' logs are in ${file}`);
      });
      const admin = createKafka('soak', [stack.addresses.KAFKA_BROKERS!]).admin();
      await admin.connect();
      cleanups.add('disconnecting the Kafka admin', () => admin.disconnect());
      const { minutes, verdict } = await runSoak(
        {
          gatewayUrl: system.gatewayUrl,
          processes: system.services.map((s) => ({ name: s.definition.name, pid: s.child.pid!, url: s.url })),
          admin,
        },
        {
          ...defaultSoakOptions,
          minutes: MINUTES,
          warmupMinutes: 1,
          print: (line) => console.log(`resilience/soak: ${line}`),
        },
      );
      expect(minutes).toHaveLength(MINUTES);
      expect(minutes.every((m) => m.reads > 0 && m.writes > 0 && m.liveUpdates > 0)).toBe(true);
      expect(verdict).toMatchObject({ noErrors: true, lagBounded: true });
      if (MINUTES > 2) expect(verdict.rssFlat).toBe(true);
      expect(system.exited()).toEqual([]);
    },
    (MINUTES + 5) * 60_000,
  );
});
