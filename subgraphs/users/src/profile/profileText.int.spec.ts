import { randomUUID } from 'node:crypto';

import { fromBinary } from '@bufbuild/protobuf';
import { UserCommandSchema } from '@verograph/contracts/users/v1/commands';
import { createKafka, createProducer, type MessageProducer } from '@verograph/messaging';
import { createLogger, engineAddresses } from '@verograph/service';
import type { SubgraphServer } from '@verograph/subgraph-kit';
import {
  createScratchTopic,
  deleteScratchTopic,
  localCassandra,
  readModelFixtures,
  signedGraphQLClient,
  startTopicCapture,
  type SignedGraphQLClient,
  type TopicCapture,
} from '@verograph/subgraph-kit/testing';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startUsersSubgraph } from '../usersSubgraph.ts';

/**
 * Issue 12, item 11: the display name "Ev\u0000e\u202Eadmin" (a NUL, then a right-to-left
 * override that shows "Eve" + "nimda" reversed) was accepted and stored. Through the real users
 * subgraph, with its commands captured from a topic of this run: refused, and nothing published.
 */
describe('users subgraph: profile text', () => {
  const secret = `users-text-secret-${randomUUID()}`;
  const commandsTopic = `users.commands.text-test-${randomUUID().slice(0, 8)}`;
  const hostile = 'Ev\u0000e\u202Eadmin';
  let cql: Awaited<ReturnType<typeof localCassandra>>;
  let kafka: Kafka;
  let producer: MessageProducer;
  let server: SubgraphServer;
  let gql: SignedGraphQLClient;
  let capture: TopicCapture;
  let existing: string;

  beforeAll(async () => {
    cql = await localCassandra('users-text-int');
    kafka = createKafka('users-text-int', engineAddresses().kafkaBrokers);
    await createScratchTopic(kafka, commandsTopic, 1);
    producer = await createProducer(kafka);
    server = await startUsersSubgraph({
      cassandra: cql,
      producer,
      logger: createLogger('users-text-int', 'silent'),
      metrics: new Registry(),
      port: 0,
      host: '127.0.0.1',
      signingSecret: secret,
      idSecret: `ids-${randomUUID()}`,
      mutationWaitMs: 100,
      commandsTopic,
    });
    gql = signedGraphQLClient(server.url, secret, 'users');
    capture = await startTopicCapture(kafka, commandsTopic);
    existing = await readModelFixtures(cql).user();
  });

  afterAll(async () => {
    await capture?.stop();
    await server?.close();
    await producer?.disconnect();
    if (kafka) await deleteScratchTopic(kafka, commandsTopic);
    await cql?.shutdown();
  });

  const CREATE =
    'mutation($u: String!, $d: String!) { createProfile(input: { username: $u, displayName: $d }) { commandId status } }';
  const UPDATE = 'mutation($d: String) { updateProfile(input: { displayName: $d }) { commandId status } }';
  const username = () => `text_${randomUUID().replaceAll('-', '').slice(0, 20)}`;

  it('given the display name of the report, when creating or updating a profile, then BAD_USER_INPUT on displayName and nothing is published', async () => {
    const newcomer = `u-${randomUUID()}`;
    const answers = [
      await gql.query(newcomer, CREATE, { u: username(), d: hostile }),
      await gql.query(existing, UPDATE, { d: hostile }),
    ];
    for (const answer of answers) {
      expect(answer.data).toBeNull();
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'displayName' });
      expect(answer.errors![0]!.message).not.toContain('admin');
    }

    // A valid profile goes through the same path, so the capture has something to settle on.
    const control = `u-${randomUUID()}`;
    const accepted = await gql.query<{ createProfile: { commandId: string; status: string } }>(control, CREATE, {
      u: username(),
      d: 'Eve 👩\u200D💻',
    });
    expect(accepted.data!.createProfile.status).toBe('ACCEPTED');
    const published = (await capture.settled()).map((record) => fromBinary(UserCommandSchema, record.value));
    expect(published.map((command) => command.envelope?.actorId)).toEqual([control]);
  });

  it('given a display name typed in decomposed form, when creating a profile, then it is published in NFC', async () => {
    const viewer = `u-${randomUUID()}`;
    const answer = await gql.query<{ createProfile: { commandId: string; status: string } }>(viewer, CREATE, {
      u: username(),
      d: 'Zoe\u0308 Cafe\u0301',
    });
    expect(answer.data!.createProfile.status).toBe('ACCEPTED');
    const command = (await capture.settled())
      .map((record) => fromBinary(UserCommandSchema, record.value))
      .find((c) => c.envelope?.commandId === answer.data!.createProfile.commandId);
    expect(command?.command).toMatchObject({ case: 'createProfile', value: { profile: { displayName: 'Zoë Café' } } });
  });
});
