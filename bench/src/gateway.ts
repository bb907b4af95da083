/**
 * `npm run bench -- gateway`: the gateway's own cost. Every gateway answers the same query over
 * the same in-memory subgraphs (gatewaySubgraphs.ts), each one Node process pinned to the same
 * core, the load generator and the subgraphs on the other: ours (with our executor, and with
 * Apollo's as a reference), stock @apollo/gateway + @apollo/server, and @graphql-hive/gateway
 * with its defaults and with its subgraph request deduplication off. Warm-up, then two rounds in
 * alternating order; each round prints requests/s, p50/p99, CPU ms per request, GC share and the
 * ratio to stock measured in that round. Ours runs with the Node flags it is deployed with
 * (stack/src/services.ts: a larger young generation); the others with Node's defaults.
 */
import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';
import { cpuMillis, services } from '@verograph/stack';

import { benchQuery, benchSupergraph, benchVariables } from './gatewaySubgraphs.ts';
import { cores, pinLoadGenerator, startPinned, type GatewayProcess } from './gatewayProcesses.ts';
import { productionEnv } from './system.ts';

interface Round {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly cpuPerRequest: number;
  /** Requests answered per second of the gateway's CPU: its capacity on one core, whatever else the machine runs. */
  readonly perCoreSecond: number;
  /** GC pause time as a share of the process's CPU time. */
  readonly gcShare: number;
}

const deployedNodeOptions = services.find((s) => s.name === 'gateway')?.nodeOptions ?? [];

const labels: Record<string, string> = {
  ours: 'ours (gateway/, own executor)',
  'ours-apollo': 'ours with GATEWAY_EXECUTOR=apollo',
  stock: 'stock @apollo/gateway + @apollo/server',
  hive: '@graphql-hive/gateway (defaults)',
  'hive-nodedup': '@graphql-hive/gateway (dedup off)',
};

export async function benchGateway(options: {
  seconds: number;
  connections: number;
  profile: boolean;
  /** Only these gateways (a profiling run of ours alone); all when undefined. */
  only?: readonly string[];
}): Promise<void> {
  const wanted = (name: string) => !options.only || options.only.includes(name);
  pinLoadGenerator();
  const dir = tmpdir();
  const subgraphs = await startPinned({
    name: 'subgraphs',
    entry: 'bench/src/gatewayTarget.ts',
    args: ['subgraphs'],
    env: { BENCH_PORT: '4690' },
    core: cores?.load,
  });
  const supergraphPath = join(dir, `bench-gateway-supergraph-${process.pid}.graphql`);
  writeFileSync(
    supergraphPath,
    benchSupergraph((name) => `${subgraphs.url}/${name}`),
  );
  const profileDir = join(dir, `bench-gateway-profile-${process.pid}`);
  const gateways: GatewayProcess[] = [];
  try {
    for (const [name, executor, port] of [
      ['ours', 'own', 4600],
      ['ours-apollo', 'apollo', 4620],
    ] as const) {
      if (!wanted(name)) continue;
      gateways.push(
        await startPinned({
          name,
          entry: 'gateway/src/main.ts',
          core: cores?.gateway,
          // As the gateway is deployed (stack/src/services.ts); the other gateways run with Node's defaults.
          nodeOptions: [
            ...deployedNodeOptions,
            ...(options.profile && name === 'ours' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
          ],
          env: {
            ...productionEnv(),
            LOG_LEVEL: 'warn',
            GATEWAY_PORT: String(port),
            GATEWAY_OPS_PORT: String(port + 10),
            GATEWAY_SUPERGRAPH: supergraphPath,
            GATEWAY_EXECUTOR: executor,
            GATEWAY_ENTITY_CACHE: 'false',
            GATEWAY_LIVE_CONSUME_ON_START: 'false',
            GATEWAY_MAX_COST: '1000000',
          },
          readyUrl: { probe: `http://127.0.0.1:${port + 10}/health/live`, url: `http://127.0.0.1:${port}/graphql` },
        }),
      );
    }
    for (const [name, port] of [
      ['stock', 4640],
      ['hive', 4650],
      ['hive-nodedup', 4660],
    ] as const) {
      if (!wanted(name)) continue;
      gateways.push(
        await startPinned({
          name,
          entry: 'bench/src/gatewayTarget.ts',
          args: [name],
          core: cores?.gateway,
          env: { NODE_ENV: 'production', BENCH_PORT: String(port), BENCH_SUPERGRAPH: supergraphPath },
        }),
      );
    }
    const body = JSON.stringify({ query: benchQuery, variables: benchVariables, operationName: 'TopProducts' });
    const expected = await answerOf(gateways.find((g) => g.name === 'stock') ?? gateways[0]!, body);
    for (const gateway of gateways) {
      const answer = await answerOf(gateway, body);
      if (!isDeepStrictEqual(answer.json, expected.json)) {
        throw new Error(`${gateway.name} does not answer as stock does: ${answer.text.slice(0, 300)}`);
      }
    }
    console.log(
      `\ngateway bench: ${expected.text.length} bytes per response, ${options.connections} connections, ` +
        `${options.seconds}s per gateway per round; gateways pinned to core ${cores?.gateway ?? '(unpinned)'}, ` +
        `load generator and subgraphs to core ${cores?.load ?? '(unpinned)'}; load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    for (const gateway of gateways) await measure(gateway, body, 5, options.connections);
    const order = gateways.map((g) => g.name);
    for (let round = 0; round < 2; round++) {
      const names = round === 0 ? order : [...order].reverse();
      const results = new Map<string, Round>();
      for (const name of names) {
        results.set(
          name,
          await measure(
            gateways.find((g) => g.name === name)!,
            body,
            options.seconds,
            options.connections,
          ),
        );
      }
      printRound(round + 1, names, results);
    }
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (a shared machine: figures are noisy)`,
    );
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await subgraphs.stop();
    if (options.profile) console.log(`CPU profile of ours: ${profileDir}`);
  }
}

async function answerOf(gateway: GatewayProcess, body: string): Promise<{ text: string; json: unknown }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
  });
  const text = await response.text();
  const json = JSON.parse(text) as { data?: unknown; errors?: unknown };
  if (!response.ok || json.errors || !json.data) throw new Error(`${gateway.name} failed: ${text.slice(0, 500)}`);
  return { text, json: json.data };
}

async function measure(gateway: GatewayProcess, body: string, seconds: number, connections: number): Promise<Round> {
  const pid = gateway.child.pid!;
  const gcBefore = await gateway.gcMillis();
  const cpuBefore = cpuMillis(pid) ?? 0;
  const result = await autocannon({
    url: gateway.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
    duration: seconds,
    connections,
  });
  const cpu = (cpuMillis(pid) ?? 0) - cpuBefore;
  const gc = (await gateway.gcMillis()) - gcBefore;
  const answered = Math.max(1, result.requests.total);
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    cpuPerRequest: cpu / answered,
    perCoreSecond: cpu > 0 ? (answered * 1000) / cpu : 0,
    gcShare: cpu > 0 ? gc / cpu : 0,
  };
}

function printRound(round: number, names: readonly string[], results: ReadonlyMap<string, Round>): void {
  const stock = results.get('stock');
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(2) : '-';
  console.log(`\nround ${round} (in this order)`);
  console.log(
    `${'gateway'.padEnd(40)}${'req/s'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}` +
      `${'CPU ms/req'.padStart(11)}${'req/core-s'.padStart(11)}${'GC %'.padStart(7)}${'errors'.padStart(8)}` +
      `${'× stock'.padStart(9)}${'× per core'.padStart(11)}`,
  );
  for (const name of names) {
    const r = results.get(name)!;
    console.log(
      `${(labels[name] ?? name).padEnd(40)}${r.requestsPerSecond.toFixed(0).padStart(8)}${r.p50.toFixed(1).padStart(8)}` +
        `${r.p99.toFixed(1).padStart(8)}${r.cpuPerRequest.toFixed(2).padStart(11)}${r.perCoreSecond.toFixed(0).padStart(11)}` +
        `${(r.gcShare * 100).toFixed(1).padStart(7)}${String(r.errors).padStart(8)}` +
        `${ratio(r.requestsPerSecond, stock?.requestsPerSecond).padStart(9)}` +
        `${ratio(r.perCoreSecond, stock?.perCoreSecond).padStart(11)}`,
    );
  }
  const ours = results.get('ours');
  const hive = results.get('hive');
  if (!ours) return;
  console.log(
    `targets: ours/stock ${ratio(ours.requestsPerSecond, stock?.requestsPerSecond)}× requests/s, ` +
      `${ratio(ours.perCoreSecond, stock?.perCoreSecond)}× per core-second (≥ 4); ` +
      `ours/hive ${ratio(ours.requestsPerSecond, hive?.requestsPerSecond)}× requests/s, ` +
      `${ratio(ours.perCoreSecond, hive?.perCoreSecond)}× per core-second (≥ 3); ours GC ${(ours.gcShare * 100).toFixed(1)}% (< 10)`,
  );
}
