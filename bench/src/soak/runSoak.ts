/**
 * The soak: a moderate, steady mix of reads, mutations and live subscriptions for many minutes
 * (load.ts), a line a minute (RSS and heap per process, errors by kind, consumer lag, read
 * and write p99), then the load stops, the lag must drain, every command the soak's mutations
 * published must have been decided exactly once, and the verdict says whether memory stayed
 * flat after warm-up, nothing failed and the lag stayed bounded. `runSoak` takes a running
 * system (its gateway, its processes, Kafka clients), so it runs against any; `npm run soak`
 * (cli.ts) starts one.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { totalLag } from '@verograph/messaging';
import { cpuMillis } from '@verograph/stack';
import type { Admin, Kafka } from 'kafkajs';

import { waitForCaughtUp } from '../consumerLag.ts';
import { createGatewayClient, payloadStatus, type GatewayClient } from '../gatewayClient.ts';
import { watchCommands } from './commandWatch.ts';
import { checkDecisions } from './decisions.ts';
import { formatMinute, formatVerdict } from './format.ts';
import { createMinuteTally, startSoakLoad, type SoakCast, type SoakRates } from './load.ts';
import { soakVerdict, type ProcessMemory, type SoakMinute, type SoakTargets, type SoakVerdict } from './verdict.ts';
import { sleep } from '../stats.ts';

/** A service process of the system under soak. */
export interface SoakProcess {
  readonly name: string;
  readonly pid: number;
  /** Its operations endpoints' base URL: /metrics is read there. */
  readonly opsUrl: string;
}

export interface SoakSystem {
  /** The gateway's GraphQL endpoint. */
  readonly gatewayUrl: string;
  readonly processes: readonly SoakProcess[];
  /** Clients of the Kafka the system uses, signed in as a principal that may read every group and topic. */
  readonly kafka: Kafka;
  readonly admin: Admin;
}

export interface SoakOptions extends SoakTargets, SoakRates {
  readonly minutes: number;
  /** How long to wait, before the load, for the backlog others left in the groups (0: not at all). */
  readonly catchUpSeconds: number;
  /** How long the lag may take to drain, and every command to be decided, once the load stops. */
  readonly drainSeconds: number;
  readonly print: (line: string) => void;
  /** What escaped a handler in this process so far (trapUnhandled). */
  readonly unhandled: () => readonly string[];
  /** Ends the run early (Ctrl-C, a CI job cancelled): the minutes so far are judged, and the run fails. */
  readonly signal?: AbortSignal;
}

/**
 * The offered load, and why it is this: a stability test, not a load test. 2 mutations a second
 * (a post, a love or a comment), 10 reads a second (feed, post, profile, search), 8 followers
 * with a live feed and 2 authors with live notifications, steady for the whole run: a small
 * community's busy hour (a few hundred people reading, a post every second or two). It has to
 * leave the system far from saturation on two cores shared with the engines and other people's
 * tests, so that a minute's p99 moves with the system's state (leaks, growing caches, lag), not
 * with queueing: the services' CPU is printed every minute to show that it does. The soak before
 * this one offered 5 mutations and 20 reads a second with every follower on every author, and
 * failed on SUBGRAPH_UNAVAILABLE timeouts under a load average of 20-35: it measured the machine.
 */
export const defaultSoakOptions = {
  warmupMinutes: 2,
  warmupShare: 1 / 3,
  rssTolerance: 0.1,
  maxLag: 500,
  catchUpSeconds: 300,
  drainSeconds: 120,
  writesPerSecond: 2,
  readsPerSecond: 10,
  subscribers: 8,
} as const;

const CREATE_PROFILE = 'mutation($i: CreateProfileInput!) { createProfile(input: $i) { commandId status } }';
const FOLLOW = 'mutation($u: ID!, $m: String) { follow(userId: $u, clientMutationId: $m) { commandId status } }';

/** Resolves at `at` (epoch ms), or as soon as `signal` aborts. */
function untilOrAborted(at: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, at - Date.now()));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** RSS from /proc; heap, its spaces and external memory from the service's own /metrics (undefined when it does not answer). */
async function sampleProcess(p: SoakProcess): Promise<ProcessMemory> {
  let rssBytes = 0;
  let rssFileBytes: number | undefined;
  try {
    const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
    const kB = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    rssBytes = kB('VmRSS');
    rssFileBytes = kB('RssFile');
  } catch {
    // The process is gone: no memory, and the verdict will show it.
  }
  try {
    const text = await (await fetch(`${p.opsUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const rows = text.split('\n');
    const gauge = (name: string) => {
      const row = rows.find((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
      return row ? Number(row.slice(row.lastIndexOf(' ') + 1)) : undefined;
    };
    // prom-client's default metrics: one row per V8 space, `{space="new",service="users"}`.
    const heapSpaceBytes: Record<string, number> = {};
    for (const row of rows) {
      const space = /^nodejs_heap_space_size_total_bytes\{[^}]*space="([a-z_]+)"[^}]*\} (\d+)/.exec(row);
      if (space) heapSpaceBytes[space[1]!] = Number(space[2]);
    }
    return {
      rssBytes,
      rssFileBytes,
      heapBytes: gauge('nodejs_heap_size_used_bytes'),
      heapTotalBytes: gauge('nodejs_heap_size_total_bytes'),
      externalBytes: gauge('nodejs_external_memory_bytes'),
      heapSpaceBytes,
    };
  } catch {
    return { rssBytes, rssFileBytes, heapBytes: undefined };
  }
}

/** The writers' and projectors' consumer groups of the system. */
async function systemGroups(admin: Admin): Promise<string[]> {
  return (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((id) => /^writers-[a-z]+$/.test(id) || /^projectors\.[a-z]+$/.test(id));
}

/** Each group's lag now. */
async function lagByGroup(admin: Admin): Promise<Map<string, number>> {
  const groups = await systemGroups(admin);
  return new Map(await Promise.all(groups.map(async (g) => [g, await totalLag(admin, [g])] as const)));
}

/**
 * The lag the soak is answerable for: per group, what is there beyond the lag it had before the
 * soak began. A shared stack can hold a backlog that others left (a projector added since the
 * topics filled, a group nobody consumes while no system runs); the soak's own services work it
 * off too, but how fast says nothing of whether they keep up with the soak. NaN when unread.
 */
async function lagAbove(admin: Admin, before: ReadonlyMap<string, number>): Promise<number> {
  try {
    let lag = 0;
    for (const [group, now] of await lagByGroup(admin)) lag += Math.max(0, now - (before.get(group) ?? 0));
    return lag;
  } catch {
    return Number.NaN;
  }
}

/**
 * Profiles and follows through the gateway, each sent until APPLIED (an ACCEPTED one again with
 * the same clientMutationId: the same command, answered from the decision log once decided).
 */
async function seedCast(client: GatewayClient, cast: SoakCast, commandIds: Set<string>): Promise<void> {
  const untilApplied = async (user: string, query: string, variables: (m: string) => Record<string, unknown>) => {
    const m = randomUUID();
    for (const deadline = Date.now() + 60_000; ;) {
      const { answer } = await client.request<Record<string, { commandId: string }>>(user, query, variables(m));
      const payload = answer.data ? Object.values(answer.data)[0] : undefined;
      if (payload) commandIds.add(payload.commandId);
      const status = payloadStatus(answer);
      if (status === 'APPLIED') return;
      if (status !== 'ACCEPTED' || Date.now() > deadline) throw new Error(`seeding ${user}: ${status}`);
    }
  };
  await Promise.all(
    [...cast.authors, ...cast.followers].map((user) =>
      untilApplied(user, CREATE_PROFILE, (m) => ({
        i: { username: user.replace(/-/g, '_'), displayName: user, clientMutationId: m },
      })),
    ),
  );
  await Promise.all(
    cast.followers.map((follower, i) =>
      untilApplied(follower, FOLLOW, (m) => ({ u: cast.authors[i % cast.authors.length], m })),
    ),
  );
}

export async function runSoak(
  system: SoakSystem,
  options: SoakOptions,
): Promise<{ minutes: SoakMinute[]; verdict: SoakVerdict }> {
  const run = randomUUID().slice(0, 8);
  const cast: SoakCast = {
    run,
    authors: Array.from({ length: Math.max(1, Math.round(options.subscribers / 4)) }, (_, i) => `soak-${run}-a${i}`),
    followers: Array.from({ length: options.subscribers }, (_, i) => `soak-${run}-f${i}`),
  };
  const client = createGatewayClient(system.gatewayUrl);
  // What others left in the groups (a benchmark's fan-out, events no system consumed) is worked
  // off first: done during the soak, it loads the engines the soak's reads wait on (a 30-minute
  // run that started on ~86k records of backlog timed out reads for its first minutes).
  if (options.catchUpSeconds > 0) {
    const caughtUp = await waitForCaughtUp(system.admin, options.catchUpSeconds * 1_000);
    options.print(
      `soak: the groups' backlog before the soak, ${caughtUp.lagAtStart} records, ` +
        `${caughtUp.lagLeft === 0 ? 'worked off' : `${caughtUp.lagLeft} left`} in ${caughtUp.seconds.toFixed(0)} s`,
    );
  }
  const lagBefore = await lagByGroup(system.admin);
  const backlog = [...lagBefore].filter(([, n]) => n > 0).map(([g, n]) => `${g} ${n}`);
  options.print(
    `soak: consumer lag before the soak ${backlog.length > 0 ? backlog.join(', ') : '0'}; ` +
      'the lag below is what each group has beyond that',
  );
  const lagOf = (admin: Admin) => lagAbove(admin, lagBefore);
  // Read before the first command, so that none of the soak's is missed.
  const watch = await watchCommands(system.kafka, system.admin);
  try {
    const seeded = new Set<string>();
    await seedCast(client, cast, seeded);
    const tally = createMinuteTally();
    const load = await startSoakLoad(client, system.gatewayUrl, cast, options, tally);
    const minutes: SoakMinute[] = [];
    try {
      options.print(
        `soak ${run}: ${options.minutes} min; offered ${options.writesPerSecond} mutations/s, ` +
          `${options.readsPerSecond} reads/s, ${cast.followers.length} live feeds and ${cast.authors.length} ` +
          `live notification streams; a line a minute (RSS/heap MB per process)`,
      );
      const started = Date.now();
      const servicesCpu = () => system.processes.reduce((sum, p) => sum + (cpuMillis(p.pid) ?? 0), 0);
      let cpuBefore = servicesCpu();
      for (let minute = 1; minute <= options.minutes; minute++) {
        await untilOrAborted(started + minute * 60_000, options.signal);
        if (options.signal?.aborted) {
          options.print(`soak: interrupted during minute ${minute}; the verdict covers the minutes before it`);
          break;
        }
        const cpuNow = servicesCpu();
        const cpuPercent = (cpuNow - cpuBefore) / 600;
        cpuBefore = cpuNow;
        const processes = Object.fromEntries(
          await Promise.all(system.processes.map(async (p) => [p.name, await sampleProcess(p)] as const)),
        );
        const sample: SoakMinute = { minute, processes, lag: await lagOf(system.admin), cpuPercent, ...tally.take() };
        minutes.push(sample);
        options.print(formatMinute(sample, load.accepted()));
      }
    } finally {
      await load.stop();
    }
    // The load has stopped: the groups must catch up, and every command be decided.
    const commandIds = new Set([...seeded, ...load.commandIds]);
    const drainStarted = Date.now();
    let lagLeft = await lagOf(system.admin);
    const decidedAll = () => {
      const decided = new Set(watch.outcomes.map((o) => o.commandId));
      return [...commandIds].every((id) => decided.has(id));
    };
    while (
      (lagLeft !== 0 || (!decidedAll() && !watch.crashed())) &&
      Date.now() - drainStarted < options.drainSeconds * 1_000
    ) {
      await sleep(1_000);
      lagLeft = await lagOf(system.admin);
    }
    const drainSeconds = (Date.now() - drainStarted) / 1_000;
    const verdict = soakVerdict(
      minutes,
      { lagLeft, drainSeconds, unhandled: options.unhandled() },
      checkDecisions(watch, commandIds),
      options,
    );
    options.print(formatVerdict(verdict, options, drainSeconds));
    // A run cut short did not show what it was asked to.
    return { minutes, verdict: { ...verdict, passed: verdict.passed && minutes.length === options.minutes } };
  } finally {
    client.close();
    await watch.stop();
  }
}
