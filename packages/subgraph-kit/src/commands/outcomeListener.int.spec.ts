import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';
import { CommandOutcomeSchema, CommandStatus } from '@verograph/contracts/common/v1/outcome';
import { createKafka, createProducer, type MessageProducer } from '@verograph/messaging';
import { createLogger, engineAddresses } from '@verograph/service';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startOutcomeListener, type OutcomeListener } from './outcomeListener.ts';
import { until } from '@verograph/stack/testing';

const run = randomUUID().slice(0, 8);
const topic = `test.outcomes.${run}`;
const logger = createLogger('outcome-listener-int', 'silent');
let kafka: Kafka;
let admin: Admin;
let producer: MessageProducer;

const outcome = (commandId: string) =>
  toBinary(
    CommandOutcomeSchema,
    create(CommandOutcomeSchema, {
      commandId,
      aggregateId: 'post-1',
      status: CommandStatus.REJECTED,
      reasonCode: 'ALREADY_LOVED',
      reasonMessage: 'you already love this post',
    }),
  );

beforeAll(async () => {
  kafka = createKafka(`outcome-listener-int-${run}`, engineAddresses().kafkaBrokers);
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  producer = await createProducer(kafka);
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
});

describe('the outcome listener on the real Kafka', () => {
  let listener: OutcomeListener;

  it('hears outcomes published after their waits were made, on every partition', async () => {
    listener = startOutcomeListener({ kafka, service: `test-${run}`, logger, topic });
    await until('the listener to listen', () => (listener.isListening() ? true : undefined));
    // The group starts from the log end once its first fetch resolves it: outcomes published
    // from then on are heard. A first, unawaited outcome marks that moment.
    const probe = randomUUID();
    const probeWait = listener.expect(probe);
    await until('the listener to hear a probe', async () => {
      await producer.send([{ topic, key: probe, value: outcome(probe) }]);
      return (await probeWait.until(Date.now() + 500)) ? true : undefined;
    });

    const ids = Array.from({ length: 6 }, () => randomUUID());
    const waits = ids.map((id) => listener.expect(id));
    await producer.send(ids.map((id) => ({ topic, key: id, value: outcome(id) })));
    const heard = await Promise.all(waits.map((w) => w.until(Date.now() + 10_000)));
    expect(heard.map((h) => h?.commandId)).toEqual(ids);
    expect(heard[0]).toMatchObject({
      status: 'REJECTED',
      reason: { code: 'ALREADY_LOVED', message: 'you already love this post' },
    });
    // A wait for a command whose outcome never comes answers undefined at its deadline.
    expect(await listener.expect(randomUUID()).until(Date.now() + 300)).toBeUndefined();
  });

  it('on stop, answers the waits in progress with undefined and deletes its consumer group', async () => {
    const pending = listener.expect(randomUUID()).until(Date.now() + 30_000);
    const groupsBefore = (await admin.listGroups()).groups.map((g) => g.groupId);
    const ours = groupsBefore.filter((g) => g.startsWith(`test-${run}-outcomes-`));
    expect(ours).toHaveLength(1);
    await listener.stop();
    expect(await pending).toBeUndefined();
    expect(listener.isListening()).toBe(false);
    const groupsAfter = (await admin.listGroups()).groups.map((g) => g.groupId);
    expect(groupsAfter).not.toContain(ours[0]);
  });
});
