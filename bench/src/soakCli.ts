/**
 * `npm run soak -- --minutes 30 [--warmup 2] [--writes 5] [--reads 20] [--subscribers 8] [--max-lag 500]`:
 * the whole system (engines ensured, every service as its own process in production mode, as
 * the benchmarks run it) under mixed load for that long; a line a minute, the verdict at the
 * end, exit code 1 when a target was missed.
 */
import { createKafka } from '@verograph/messaging';
import { engineAddresses, envReader } from '@verograph/service';

import { defaultSoakOptions, runSoak } from './soak.ts';
import { startQuietSystem } from './system.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(name);
  const value = index >= 0 ? Number(args[index + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number, got ${args[index + 1]}`);
  return value;
};

const system = await startQuietSystem();
const admin = createKafka('soak', engineAddresses(envReader()).kafkaBrokers).admin();
await admin.connect();
try {
  const gateway = system.services.find((s) => s.definition.name === 'gateway')!;
  const { verdict } = await runSoak(
    {
      gatewayUrl: `${gateway.url}/graphql`,
      processes: system.services.map((s) => ({ name: s.definition.name, pid: s.child.pid!, url: s.url })),
      admin,
    },
    {
      minutes: option('--minutes', 30),
      warmupMinutes: option('--warmup', defaultSoakOptions.warmupMinutes),
      rssTolerance: defaultSoakOptions.rssTolerance,
      maxLag: option('--max-lag', defaultSoakOptions.maxLag),
      writesPerSecond: option('--writes', defaultSoakOptions.writesPerSecond),
      readsPerSecond: option('--reads', defaultSoakOptions.readsPerSecond),
      subscribers: option('--subscribers', defaultSoakOptions.subscribers),
      print: (line) => console.log(line),
    },
  );
  process.exitCode = verdict.passed ? 0 : 1;
} finally {
  await admin.disconnect();
  await system.stop();
}
