import kafkajs from 'kafkajs';
import { readFileSync } from 'node:fs';
const creds = JSON.parse(readFileSync('/tmp/flink-private-stack/credentials.json', 'utf8')).kafka.admin;
const kafka = new kafkajs.Kafka({ brokers: ['127.0.0.1:19092'], sasl: { mechanism: 'scram-sha-512', username: creds.username, password: creds.password }, logLevel: 1 });
const admin = kafka.admin(); await admin.connect();
console.log(JSON.stringify(await admin.fetchOffsets({ groupId: 'insights', topics: ['posts.events'] })));
console.log(JSON.stringify(await admin.fetchTopicOffsets('posts.events')));
for (const t of ['insights.trending_tags','insights.post_engagement']) console.log(t, JSON.stringify(await admin.fetchTopicOffsets(t)));
await admin.disconnect();
