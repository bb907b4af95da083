/**
 * The people of the live scenarios and what they do over HTTP, as a frontend would: sign up,
 * connect at a level, follow, post, love, comment. Every mutation is sent until APPLIED (an
 * ACCEPTED answer is resent with the same clientMutationId: the same command, never a second),
 * so a scenario starts from a known state.
 */
import { randomUUID } from 'node:crypto';

import { services, startServices, stopServices, type RunningService } from '@verograph/stack';

import { eventually, graphqlClient, type GraphQLClient } from './graphqlClient.ts';
import { tokenFor } from './system.ts';

export type Audience = 'CLOSE_FRIENDS' | 'FRIENDS' | 'ACQUAINTANCES' | 'FOLLOWERS';
export const AUDIENCES: readonly Audience[] = ['CLOSE_FRIENDS', 'FRIENDS', 'ACQUAINTANCES', 'FOLLOWERS'];
export type Level = 'CLOSE_FRIEND' | 'FRIEND' | 'ACQUAINTANCE';

/** One user of a scenario: id, token and an HTTP client acting as them. */
export interface Person {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly token: string;
  readonly http: GraphQLClient;
}

const RESULT = 'commandId status reason { code message }';

/**
 * Sends a mutation until its payload is APPLIED; returns the payload. `variables` gets the
 * clientMutationId to place (an argument `$c` or a field of the input), so a resend is the same command.
 */
export async function applied(
  who: Person,
  mutation: string,
  variables: (clientMutationId: string) => Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const clientMutationId = randomUUID();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = await who.http.request<Record<string, { status: string } & Record<string, unknown>>>(
      mutation,
      variables(clientMutationId),
    );
    const payload = result.data ? Object.values(result.data)[0] : undefined;
    if (payload?.status === 'APPLIED') return payload;
    if (payload?.status !== 'ACCEPTED' || Date.now() > deadline) {
      throw new Error(`${who.name}: ${mutation} was not APPLIED: ${JSON.stringify(result)}`);
    }
  }
}

/** A scenario's cast, each with a profile made through the gateway. */
export async function signUp<Name extends string>(
  gatewayUrl: string,
  run: string,
  names: readonly Name[],
): Promise<Record<Name, Person>> {
  const people = {} as Record<Name, Person>;
  for (const name of names) {
    const id = `${name}-${run}`;
    const token = await tokenFor(id);
    const displayName = `${name[0]!.toUpperCase()}${name.slice(1)} ${run}`;
    const person: Person = { id, name, displayName, token, http: graphqlClient(gatewayUrl, token) };
    await applied(person, `mutation($i: CreateProfileInput!) { createProfile(input: $i) { ${RESULT} } }`, (c) => ({
      i: { username: `${name}_${run}`, displayName, clientMutationId: c },
    }));
    people[name] = person;
  }
  return people;
}

/** A mutation on another user (`$u`) with its idempotency key as the `clientMutationId` argument. */
const relation = (field: string, withLevel = false) =>
  `mutation($u: ID!, ${withLevel ? '$l: ConnectionLevel!, ' : ''}$c: String) {
    ${field}(userId: $u, ${withLevel ? 'level: $l, ' : ''}clientMutationId: $c) { ${RESULT} } }`;

/** `requester` asks `author` to connect; `author` accepts and files the requester at `level`. */
export async function connect(author: Person, requester: Person, level: Level): Promise<void> {
  await applied(requester, relation('requestConnection', true), (c) => ({ u: author.id, l: 'FRIEND', c }));
  await applied(author, relation('acceptConnection', true), (c) => ({ u: requester.id, l: level, c }));
}

export async function setLevel(author: Person, other: Person, level: Level): Promise<void> {
  await applied(author, relation('setConnectionLevel', true), (c) => ({ u: other.id, l: level, c }));
}

export async function follow(follower: Person, followee: Person): Promise<void> {
  await applied(follower, relation('follow'), (c) => ({ u: followee.id, c }));
}

export async function unfollow(follower: Person, followee: Person): Promise<void> {
  await applied(follower, relation('unfollow'), (c) => ({ u: followee.id, c }));
}

/** Creates a TEXT post and returns its id. */
export async function post(author: Person, audience: Audience, caption: string): Promise<string> {
  const payload = await applied(
    author,
    `mutation($i: CreatePostInput!) { createPost(input: $i) { ${RESULT} post { id } } }`,
    (c) => ({ i: { kind: 'TEXT', audience, caption, clientMutationId: c } }),
  );
  return (payload.post as { id: string }).id;
}

export async function love(who: Person, postId: string): Promise<void> {
  await applied(
    who,
    `mutation($p: ID!, $c: String) { lovePost(postId: $p, clientMutationId: $c) { ${RESULT} } }`,
    (c) => ({
      p: postId,
      c,
    }),
  );
}

export async function unlove(who: Person, postId: string): Promise<void> {
  await applied(
    who,
    `mutation($p: ID!, $c: String) { unlovePost(postId: $p, clientMutationId: $c) { ${RESULT} } }`,
    (c) => ({ p: postId, c }),
  );
}

/** Comments on a post; returns the comment's id. */
export async function comment(who: Person, postId: string, text: string): Promise<string> {
  const payload = await applied(
    who,
    `mutation($p: ID!, $t: String!, $c: String) {
      commentOnPost(postId: $p, text: $t, clientMutationId: $c) { ${RESULT} comment { id } } }`,
    (c) => ({ p: postId, t: text, c }),
  );
  return (payload.comment as { id: string }).id;
}

/** Waits until `postId` is in `viewer`'s home feed: the feed projector has done its work for it. */
export async function inFeed(viewer: Person, postId: string): Promise<void> {
  await eventually(
    () =>
      viewer.http.request<{ feed: { edges: { node: { id: string } }[] } }>(
        '{ feed(first: 50) { edges { node { id } } } }',
      ),
    (r) => (r.data?.feed.edges ?? []).some((e) => e.node.id === postId),
    { what: `post ${postId} in ${viewer.name}'s feed` },
  );
}

/**
 * A second gateway process, started like the system's own (stack/src/services.ts: the same
 * entry, the same environment, every service's port and URL), on a port of its own.
 */
export interface ExtraGateway {
  readonly url: string;
  /** SIGKILL: a crash, no graceful close for its clients. */
  crash(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function extraGateway(port: number, env: NodeJS.ProcessEnv = {}): ExtraGateway {
  // The same offset globalSetup gave every service (E2E_PORT_OFFSET), so it routes to the same subgraphs.
  const offset = Number(process.env.E2E_PORT_OFFSET ?? 0);
  const ports = { ...Object.fromEntries(services.map((s) => [s.name, s.port + offset])), gateway: port };
  let running: RunningService[] = [];
  const output = (service: string, line: string) => {
    if (process.env.E2E_VERBOSE === '1' || line.includes('"level":50') || line.includes('"level":60')) {
      process.stderr.write(`${`${service}:${port}`.padEnd(12)}| ${line}\n`);
    }
  };
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async start() {
      running = await startServices({
        only: ['gateway'],
        ports,
        env: { LOG_LEVEL: 'warn', ...env },
        output,
        readyTimeoutMs: 120_000,
      });
    },
    async crash() {
      await Promise.all(
        running.map(async ({ child }) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        }),
      );
      running = [];
    },
    async stop() {
      await stopServices(running);
      running = [];
    },
  };
}
