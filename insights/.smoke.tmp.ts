// Scratch smoke test (not committed): events into the private stack's Kafka, results out.
import { create, toBinary, fromBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import kafkajs from 'kafkajs';
import { readFileSync } from 'node:fs';
import { PostEventSchema } from '@verograph/contracts/posts/v1/events';
import { Audience } from '@verograph/contracts/posts/v1/posts';
import { TrendingTagResultSchema, PostEngagementBucketSchema } from '@verograph/contracts/insights/v1/insights';

const creds = JSON.parse(readFileSync('/tmp/flink-private-stack/credentials.json', 'utf8')).kafka.admin;
const kafka = new kafkajs.Kafka({ brokers: ['127.0.0.1:19092'], sasl: { mechanism: 'scram-sha-512', username: creds.username, password: creds.password }, logLevel: 1 });
const producer = kafka.producer();
await producer.connect();
const run = Date.now().toString(36);
const now = Date.now();
let n = 0;
const env = (id: string, at: number) => ({ messageId: `${run}-${n++}`, commandId: `${run}-${n}`, aggregateId: id, occurredAt: timestampFromMs(at), actorId: 'smoke' });
const messages = [];
for (let i = 0; i < 6; i++) {
  const id = `${run}-post-${i}`;
  messages.push({ key: id, value: Buffer.from(toBinary(PostEventSchema, create(PostEventSchema, { envelope: env(id, now), event: { case: 'postCreated', value: { postId: id, authorId: `${run}-author-${i}`, audience: Audience.FOLLOWERS, tags: [`smoke${run}`] } } }))) });
}
messages.push({ key: `${run}-post-0`, value: Buffer.from(toBinary(PostEventSchema, create(PostEventSchema, { envelope: env(`${run}-post-0`, now + 1000), event: { case: 'postLoved', value: { postId: `${run}-post-0`, userId: 'fan', loveCount: 1n } } }))) });
await producer.send({ topic: 'posts.events', messages });
await new Promise((r) => setTimeout(r, 8000));
// Time moves on (by event time): a later event past the windows' ends, on every partition's key.
const later = [];
for (let i = 0; i < 40; i++) {
  const id = `${run}-tick-${i}`;
  later.push({ key: id, value: Buffer.from(toBinary(PostEventSchema, create(PostEventSchema, { envelope: env(id, now + 6 * 60_000), event: { case: 'postLoved', value: { postId: id, userId: 'x', loveCount: 1n } } }))) });
}
await producer.send({ topic: 'posts.events', messages: later });
await producer.disconnect();
console.log('produced at', new Date(now).toISOString());

const consumer = kafka.consumer({ groupId: `smoke-${run}` });
await consumer.connect();
await consumer.subscribe({ topics: ['insights.trending_tags', 'insights.post_engagement'], fromBeginning: true });
const seen: string[] = [];
const started = Date.now();
await consumer.run({
  eachMessage: async ({ topic, message }) => {
    const v = topic === 'insights.trending_tags' ? fromBinary(TrendingTagResultSchema, message.value!) : fromBinary(PostEngagementBucketSchema, message.value!);
    const text = `${topic} ${message.key?.toString()} ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x))}`;
    if (text.includes(run)) seen.push(text);
  },
});
while (Date.now() - started < 90_000 && seen.length < 3) await new Promise((r) => setTimeout(r, 1000));
console.log(`after ${(Date.now() - started) / 1000}s:\n${seen.slice(0, 5).join('\n')}\n(${seen.length} results of this run)`);
await consumer.disconnect();
