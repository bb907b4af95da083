/**
 * `npm run bench -- subgraph-client`: the gateway's subgraph HTTP client (undici's Pool) beside
 * the node:http keep-alive Agent client it replaced, as the baseline. Each client runs in its own
 * process pinned to the gateways' core and POSTs the same entity fetch (200 reviews, about 40 KB
 * of answer, parsed) to the in-memory subgraphs of `bench gateway` on the other core, 50 at a
 * time; it prints requests/s and the client's CPU ms per fetch, alternating the two clients.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

import { createSubgraphHttpClient } from '@verograph/gateway';
import { repoRoot } from '@verograph/stack';

import { cores, startPinned } from './gatewayProcesses.ts';

const fetchBody = JSON.stringify({
  query:
    'query TopProducts__reviews__1($representations:[_Any!]!){_entities(representations:$representations){' +
    '...on Furniture{reviews{id body rating author{__typename id}media{__typename ...on Photo{url width}...on Video{url seconds}}}}' +
    '...on Book{reviews{id body rating author{__typename id}media{__typename ...on Photo{url width}...on Video{url seconds}}}}}}',
  variables: {
    representations: Array.from({ length: 50 }, (_, i) => ({
      __typename: i % 3 === 2 ? 'Book' : 'Furniture',
      upc: `p${i}`,
    })),
  },
  operationName: 'TopProducts__reviews__1',
});
const headers = { 'content-type': 'application/json', accept: 'application/json' };

type Post = (url: URL) => Promise<unknown>;

/** The baseline: node:http over a keep-alive Agent, the body collected and parsed, as the gateway did. */
function nodeHttpPost(): Post {
  const agent = new Agent({ keepAlive: true, maxSockets: 128, scheduling: 'lifo' });
  return (url) =>
    new Promise((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(fetchBody)) },
      });
      req.once('error', reject);
      req.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        response.once('error', reject);
      });
      req.end(fetchBody);
    });
}

function gatewayPost(): Post {
  const client = createSubgraphHttpClient();
  return (url) => client.postJson(url, headers, fetchBody, { timeoutMs: 10_000, idempotent: true });
}

/** In the child process: `subgraph-client run <node|undici> <base url> <seconds>`. */
export async function runSubgraphClient(which: string, base: string, seconds: number): Promise<void> {
  const post = which === 'undici' ? gatewayPost() : nodeHttpPost();
  const url = new URL(`${base}/reviews`);
  for (let i = 0; i < 200; i++) await post(url);
  const end = Date.now() + seconds * 1000;
  const cpu = process.cpuUsage();
  let fetches = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (Date.now() < end) {
        await post(url);
        fetches++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  console.log(`result ${fetches / seconds} ${(used.user + used.system) / 1000 / fetches}`);
  process.exit(0);
}

export async function benchSubgraphClients(options: { seconds: number; rounds: number }): Promise<void> {
  const subgraphs = await startPinned({
    name: 'subgraphs',
    entry: 'bench/src/gatewayTarget.ts',
    args: ['subgraphs'],
    env: { BENCH_PORT: '4790' },
    core: cores?.load,
  });
  try {
    console.log(
      `\nsubgraph client bench: one 40 KB entity fetch, 50 at a time, ${options.seconds}s per client per round`,
    );
    console.log(`${'client'.padEnd(44)}${'fetches/s'.padStart(10)}${'CPU ms/fetch'.padStart(14)}`);
    for (let round = 0; round < options.rounds; round++) {
      for (const which of round % 2 === 0 ? ['node', 'undici'] : ['undici', 'node']) {
        const [perSecond, cpuPerFetch] = await clientRun(which, subgraphs.url, options.seconds);
        const label = which === 'undici' ? "the gateway's (undici Pool)" : 'baseline (node:http Agent)';
        console.log(`${label.padEnd(44)}${perSecond.toFixed(0).padStart(10)}${cpuPerFetch.toFixed(3).padStart(14)}`);
      }
    }
  } finally {
    await subgraphs.stop();
  }
}

function clientRun(which: string, base: string, seconds: number): Promise<[number, number]> {
  const args = [
    '--import',
    'tsx',
    join(repoRoot, 'bench/src/cli.ts'),
    'subgraph-client',
    'run',
    which,
    base,
    String(seconds),
  ];
  const child = cores
    ? spawn('taskset', ['-c', cores.gateway, process.execPath, ...args], { cwd: repoRoot })
    : spawn(process.execPath, args, { cwd: repoRoot });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const match = /result ([\d.]+) ([\d.]+)/.exec(output);
      if (code !== 0 || !match) reject(new Error(`the ${which} client failed (${code}):\n${output.slice(-2000)}`));
      else resolve([Number(match[1]), Number(match[2])]);
    }),
  );
}
