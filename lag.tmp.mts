import { createKafka } from '@verograph/messaging';
import { signInAsAdmin } from '@verograph/stack';
signInAsAdmin();
const admin = createKafka('probe', ['127.0.0.1:9092']).admin();
await admin.connect();
for (const { topic, partitions } of await admin.fetchOffsets({ groupId: 'projectors.notifications' })) {
  const ends = await admin.fetchTopicOffsets(topic);
  console.log(topic, partitions.map((p) => `${p.partition}:${p.offset}/${ends.find((e) => e.partition === p.partition)?.high}`).join(' '));
}
await admin.disconnect();
