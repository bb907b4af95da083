/**
 * Where the live bench's delivery time goes, hop by hop, for the measured posts: the Kafka
 * record timestamps (CreateTime, set by each producer as it sends) of the post's command on
 * posts.commands, its PostCreated on posts.events, its outcome on commands.outcomes and its
 * feed.updates records, between the mutation leaving the client and each measured subscriber
 * reading the event. Every process runs on this machine, so one clock serves them all.
 */
import { performance } from 'node:perf_hooks';

import { fromBinary } from '@bufbuild/protobuf';
import { FeedUpdateSchema } from '@verograph/contracts/live/v1/updates';
import { topics } from '@verograph/messaging';
import { cpuMillis } from '@verograph/stack';
import type { Kafka, KafkaMessage } from 'kafkajs';

import { ms, sleep, summarize } from './stats.ts';
import { tailTopic, type TopicTail } from './topicTail.ts';

/** A service of the system under measurement. */
export interface StageService {
  readonly name: string;
  readonly pid: number;
  /** Its operations URL: subgraphs count the operations they serve on `/metrics`; none for an engine. */
  readonly url?: string;
}

/** What a service counts on `/metrics` that the breakdown reads, each summed over its labels. */
interface Counted {
  /** Operations a subgraph served (`subgraph_graphql_requests_total`). */
  readonly requests: number;
  /** The gateway's public entity cache lookups (`gateway_entity_cache_lookups_total`) by result. */
  readonly cacheHits: number;
  readonly cacheMisses: number;
}

/** NaN where the service does not count it (or does not answer). */
async function countedBy(url: string | undefined): Promise<Counted> {
  const sums = { requests: Number.NaN, cacheHits: Number.NaN, cacheMisses: Number.NaN };
  if (url === undefined) return sums;
  const add = (key: keyof typeof sums, line: string) => {
    sums[key] = (Number.isNaN(sums[key]) ? 0 : sums[key]) + Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    // A counter that never moved has no sample line, only its help text: it counts zero.
    if (text.includes('# HELP subgraph_graphql_requests_total ')) sums.requests = 0;
    if (text.includes('# HELP gateway_entity_cache_lookups_total ')) sums.cacheHits = sums.cacheMisses = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('subgraph_graphql_requests_total{')) add('requests', line);
      else if (line.startsWith('gateway_entity_cache_lookups_total{')) {
        if (line.includes('result="hit"')) add('cacheHits', line);
        else if (line.includes('result="miss"')) add('cacheMisses', line);
      }
    }
  } catch {
    // Not said: NaN.
  }
  return sums;
}

/** One measured post, as `deliver` saw it: performance.now() times. */
export interface MeasuredPost {
  readonly postId: string;
  readonly commandId: string;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly arrivals: readonly number[];
}

export interface LiveStages {
  /** Called before a measured post's mutation is sent: only the records of expected posts are kept. */
  expect(postId: string, commandId: string): void;
  /** Records a measured post; its Kafka records are matched when the breakdown is printed. */
  post(post: MeasuredPost): void;
  /** Prints the breakdown of the posts recorded since the last call, and forgets them. */
  print(indent?: string): Promise<void>;
  stop(): Promise<void>;
}

/** A process's CPU time so far (user + system), in milliseconds; NaN once it is gone. */
const cpuMs = (pid: number): number => cpuMillis(pid) ?? Number.NaN;

/** Epoch milliseconds of a performance.now() reading: comparable with Kafka's CreateTime. */
const epoch = (at: number) => performance.timeOrigin + at;

/**
 * Tails the four topics from now on (each from its log end, so no history is read) and keeps
 * the timestamps of the expected posts' records only: the topics are shared with whatever
 * else runs on the engines.
 */
export async function createLiveStages(
  kafka: Kafka,
  run: string,
  /** The system's services (when the bench started them): their CPU and subgraph requests per measured post are printed. */
  services: readonly StageService[] = [],
): Promise<LiveStages> {
  /** By post id (commands and events are keyed by post id); outcomes by command id. */
  const commandAt = new Map<string, number>();
  const eventAt = new Map<string, number>();
  const outcomeAt = new Map<string, number>();
  /** By post id: the feed.updates timestamps, one per recipient. */
  const updatesAt = new Map<string, number[]>();
  /** By post id: how long after its first feed update's CreateTime this process read it (Kafka alone). */
  const tailLag = new Map<string, number>();
  const expected = new Set<string>();
  const first = (into: Map<string, number>) => (messages: readonly KafkaMessage[]) => {
    for (const message of messages) {
      const key = message.key?.toString();
      if (key && expected.has(key) && !into.has(key)) into.set(key, Number(message.timestamp));
    }
  };
  const tails: TopicTail[] = [];
  try {
    tails.push(await tailTopic(kafka, topics.postsCommands, `bench-${run}-stages-commands`, first(commandAt)));
    tails.push(await tailTopic(kafka, topics.postsEvents, `bench-${run}-stages-events`, first(eventAt)));
    tails.push(await tailTopic(kafka, topics.commandOutcomes, `bench-${run}-stages-outcomes`, first(outcomeAt)));
    tails.push(
      await tailTopic(kafka, topics.feedUpdates, `bench-${run}-stages-feed`, (messages) => {
        for (const message of messages) {
          if (!message.value) continue;
          const { postId } = fromBinary(FeedUpdateSchema, message.value);
          if (!expected.has(postId)) continue;
          const list = updatesAt.get(postId) ?? [];
          list.push(Number(message.timestamp));
          updatesAt.set(postId, list);
          if (!tailLag.has(postId)) tailLag.set(postId, Date.now() - Number(message.timestamp));
        }
      }),
    );
  } catch (error) {
    await Promise.all(tails.map((tail) => tail.stop()));
    throw error;
  }
  let posts: MeasuredPost[] = [];
  /** Each service's CPU time and subgraph operations when the first post since the last print was expected. */
  let countsFrom: Promise<Map<string, Counted & { cpu: number }>> | undefined;
  const counts = async () =>
    new Map(
      await Promise.all(
        services.map(async (s) => [s.name, { cpu: cpuMs(s.pid), ...(await countedBy(s.url)) }] as const),
      ),
    );

  return {
    expect(postId, commandId) {
      countsFrom ??= counts();
      expected.add(postId);
      expected.add(commandId);
    },
    post(post) {
      posts.push(post);
    },
    async print(indent = '    ') {
      const countsTo = countsFrom && counts();
      // The tails poll every 20 ms; a post's last records may be read after its delivery.
      await sleep(500);
      const hops = {
        toCommand: [] as number[],
        toEvent: [] as number[],
        toOutcome: [] as number[],
        outcomeToAnswer: [] as number[],
        toFirstUpdate: [] as number[],
        updateSpread: [] as number[],
        toDelivered: [] as number[],
        toTail: [] as number[],
        beforeGateway: [] as number[],
        whole: [] as number[],
      };
      let unmatched = 0;
      for (const post of posts) {
        const command = commandAt.get(post.postId);
        const event = eventAt.get(post.postId);
        const outcome = outcomeAt.get(post.commandId);
        const updates = updatesAt.get(post.postId);
        if (command === undefined || event === undefined || outcome === undefined || !updates?.length) {
          unmatched++;
          continue;
        }
        const firstUpdate = Math.min(...updates);
        hops.toCommand.push(command - epoch(post.sentAt));
        hops.toEvent.push(event - command);
        hops.toOutcome.push(outcome - command);
        hops.outcomeToAnswer.push(epoch(post.answeredAt) - outcome);
        hops.toFirstUpdate.push(firstUpdate - event);
        hops.updateSpread.push(Math.max(...updates) - firstUpdate);
        hops.toTail.push(tailLag.get(post.postId) ?? Number.NaN);
        // Everything upstream of the gateway's delivery: the floor any delivery stands on.
        hops.beforeGateway.push(Math.max(...updates) - epoch(post.sentAt));
        for (const at of post.arrivals) {
          hops.toDelivered.push(epoch(at) - firstUpdate);
          hops.whole.push(at - post.sentAt);
        }
      }
      const line = (label: string, values: readonly number[]) => {
        const s = summarize(values);
        console.log(
          `${indent}${label.padEnd(58)} p50 ${ms(s.p50).padStart(9)}   p99 ${ms(s.p99).padStart(9)}   max ${ms(s.max).padStart(9)}`,
        );
      };
      console.log(
        `${indent}stage breakdown (Kafka CreateTime of each hop's record; ${posts.length - unmatched} posts` +
          `${unmatched > 0 ? `, ${unmatched} not matched to all their records` : ''}):`,
      );
      line('mutation sent → command produced (gateway+subgraph)', hops.toCommand);
      line('command → PostCreated produced (writer)', hops.toEvent);
      line('command → outcome produced (writer)', hops.toOutcome);
      line('outcome → mutation answered (subgraph+gateway)', hops.outcomeToAnswer);
      line('PostCreated → first feed update (projector)', hops.toFirstUpdate);
      line('first → last feed update of the post (projector)', hops.updateSpread);
      line('first feed update → read by a subscriber (Kafka+gateway)', hops.toDelivered);
      line('first feed update → read by a bare Kafka consumer', hops.toTail);
      line('mutation sent → last feed update produced (before gateway)', hops.beforeGateway);
      line('whole: mutation sent → read by a subscriber', hops.whole);
      if (countsFrom && countsTo && posts.length > 0) {
        const [from, to] = await Promise.all([countsFrom, countsTo]);
        const per = (name: string, key: keyof Counted | 'cpu') =>
          (to.get(name)![key] - from.get(name)![key]) / posts.length;
        console.log(
          `${indent}CPU per measured post, ms (the engines share the same cores): ` +
            services.map((s) => `${s.name} ${per(s.name, 'cpu').toFixed(1)}`).join(', '),
        );
        console.log(
          `${indent}subgraph operations per measured post: ` +
            services
              .filter((s) => !Number.isNaN(per(s.name, 'requests')))
              .map((s) => `${s.name} ${per(s.name, 'requests').toFixed(1)}`)
              .join(', ') +
            services
              .filter((s) => !Number.isNaN(per(s.name, 'cacheHits') + per(s.name, 'cacheMisses')))
              .map(
                (s) =>
                  `; ${s.name}'s public entity cache: hits ${per(s.name, 'cacheHits').toFixed(1)}, ` +
                  `misses ${per(s.name, 'cacheMisses').toFixed(1)}`,
              )
              .join(''),
        );
      }
      countsFrom = undefined;
      posts = [];
      expected.clear();
      commandAt.clear();
      eventAt.clear();
      outcomeAt.clear();
      updatesAt.clear();
      tailLag.clear();
    },
    async stop() {
      await Promise.all(tails.map((tail) => tail.stop()));
    },
  };
}
