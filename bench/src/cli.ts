/** `npm run bench -- read|gateway|subgraph-client|write|fanout|live|insights|ready [options]`: commands that print figures, each beside its baseline. */
import { signInAsAdmin } from '@verograph/stack';

import { measureFanout, printFanout } from './fanout.ts';
import { benchGateway } from './gateway.ts';
import { benchInsights } from './insights.ts';
import { benchLive } from './live.ts';
import { benchSubgraphClients, runSubgraphClient } from './subgraphClients.ts';
import { benchRead } from './read.ts';
import { benchRestartToReady } from './restartToReady.ts';
import { defaultAuthorTiers, defaultMix, parseAuthorTiers, parseMix } from './mix/mixSpec.ts';
import { benchWrite, writeItems, type WriteItem } from './write.ts';

// The bench's own clients (loaders, watchers) sign in as the stack's admin; the services it
// starts get their own principals from the launcher.
signInAsAdmin();

const [which, ...rest] = process.argv.slice(2);
const text = (name: string, fallback: string) => {
  const index = rest.indexOf(name);
  return index >= 0 ? (rest[index + 1] ?? '') : fallback;
};
const option = (name: string, fallback: number) => {
  const value = Number(text(name, String(fallback)));
  if (!Number.isFinite(value)) throw new Error(`${name} needs a number`);
  return value;
};
/** `--only sustained,spike`: the write benchmark's items to run, in their own order. */
const writeItemsOf = (list: string): WriteItem[] => {
  const names = list.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !writeItems.includes(n as WriteItem));
  if (unknown.length > 0) throw new Error(`--only: unknown ${unknown.join(', ')}; use ${writeItems.join(', ')}`);
  return writeItems.filter((item) => names.includes(item));
};

switch (which) {
  case 'read':
    await benchRead({ seconds: option('--seconds', 10), connections: option('--connections', 32) });
    break;
  case 'gateway':
    await benchGateway({
      seconds: option('--seconds', 10),
      connections: option('--connections', 50),
      profile: rest.includes('--cpu-prof'),
      ...(text('--only', '') ? { only: text('--only', '').split(',') } : {}),
    });
    break;
  case 'subgraph-client':
    if (rest[0] === 'run') await runSubgraphClient(rest[1] ?? '', rest[2] ?? '', Number(rest[3]));
    else await benchSubgraphClients({ seconds: option('--seconds', 5), rounds: option('--rounds', 4) });
    break;
  case 'write':
    await benchWrite({
      only: writeItemsOf(text('--only', writeItems.join(','))),
      weights: text('--mix', '') ? parseMix(text('--mix', '')) : defaultMix,
      authors: text('--authors', '') ? parseAuthorTiers(text('--authors', '')) : defaultAuthorTiers,
      users: option('--users', 1000),
      seconds: option('--seconds', 10),
      window: option('--window', 4000),
      rate: option('--rate', 500),
      latencySeconds: option('--latency-seconds', 10),
      spikeSeconds: option('--spike-seconds', 10),
      feedPosts: option('--feed-posts', 50),
      followers: option('--followers', 10_000),
      runs: option('--runs', 3),
    });
    break;
  case 'fanout':
    printFanout(await measureFanout({ followers: option('--followers', 10_000), runs: option('--runs', 3) }));
    break;
  case 'insights':
    await benchInsights({
      events: option('--events', 200_000),
      samples: option('--samples', 20),
      checkpointMs: option('--checkpoint-ms', 1_000),
      outOfOrdernessMs: option('--out-of-orderness-ms', 500),
      partitions: option('--partitions', 3),
      restPort: option('--rest-port', 8881),
    });
    break;
  case 'live': {
    const index = rest.indexOf('--subscribers');
    const subscribers = index >= 0 ? (rest[index + 1] ?? '').split(',').map(Number) : [1000, 10_000];
    await benchLive({
      subscribers,
      sample: option('--sample', 20),
      posts: option('--posts', 30),
      portOffset: option('--port-offset', 0),
      ...(rest.includes('--gateway')
        ? { running: { gatewayUrl: rest[rest.indexOf('--gateway') + 1]!, gatewayPid: option('--gateway-pid', 0) } }
        : {}),
    });
    break;
  }
  case 'ready':
    await benchRestartToReady({
      runs: option('--runs', 5),
      only: text('--only', 'writers,projectors').split(','),
    });
    break;
  default:
    console.error(
      [
        'usage: npm run bench -- read [--seconds 10] [--connections 32]',
        '       npm run bench -- gateway [--seconds 10] [--connections 50] [--cpu-prof] [--only ours,stock,...]',
        '       npm run bench -- subgraph-client [--seconds 5] [--rounds 4]',
        '       npm run bench -- write [--only sustained,mutations,spike,feed,fanout]',
        '                              [--mix love:55,comment:20,post:10,follow:10,social:5]',
        '                              [--authors 10:100,100:20,1000:4,10000:1] [--users 1000]',
        '                              [--seconds 10] [--window 4000] [--rate 500] [--latency-seconds 10]',
        '                              [--spike-seconds 10] [--feed-posts 50] [--followers 10000] [--runs 3]',
        '       npm run bench -- fanout [--followers 10000] [--runs 3]',
        '       npm run bench -- insights [--events 200000] [--samples 20] [--checkpoint-ms 1000] [--out-of-orderness-ms 500] [--partitions 3]',
        '                                 [--rest-port 8881]',
        '       npm run bench -- live [--subscribers 1000,10000] [--sample 20] [--posts 30] [--port-offset 0]',
        '                             [--gateway http://127.0.0.1:4000 --gateway-pid PID]   (a system already running)',
        '       npm run bench -- ready [--runs 5] [--only writers,projectors]',
      ].join('\n'),
    );
    process.exitCode = 2;
}
