import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { enginePrincipals } from '../credentials.ts';
import { repoRoot } from '../layout.ts';
import { aclBindings, type PrincipalRights } from './kafkaAcls.ts';

const declared = JSON.parse(readFileSync(join(repoRoot, 'migrations', 'kafka', '0002_service_acls.json'), 'utf8')) as {
  principals: Record<string, PrincipalRights>;
};
const { AclOperationTypes: Op, AclResourceTypes: Resource } = kafkajs;

const writersOf = (topic: string) =>
  aclBindings(declared.principals)
    .filter((a) => a.resourceType === Resource.TOPIC && a.resourceName === topic && a.operation === Op.WRITE)
    .map((a) => a.principal)
    .sort();

describe('the Kafka ACLs of migrations/kafka', () => {
  it('let only the subgraphs produce commands, each to its own aggregate', () => {
    expect(writersOf('users.commands')).toEqual(['User:users']);
    expect(writersOf('posts.commands')).toEqual(['User:posts']);
    expect(writersOf('collections.commands')).toEqual(['User:collections']);
  });

  it('let only the writers produce events and outcomes, and the projectors the live updates', () => {
    for (const topic of ['users.events', 'posts.events', 'collections.events', 'commands.outcomes']) {
      expect(writersOf(topic)).toEqual(['User:writers']);
    }
    expect(writersOf('feed.updates')).toEqual(['User:projectors']);
    expect(writersOf('engagement.updates')).toEqual(['User:projectors']);
    expect(writersOf('deadletter')).toEqual(['User:projectors', 'User:writers']);
  });

  it('name only principals the stack has credentials for, and never the admin', () => {
    const known = new Set<string>(enginePrincipals.kafka);
    for (const principal of Object.keys(declared.principals)) {
      expect(known.has(principal), principal).toBe(true);
      expect(principal).not.toBe('admin');
    }
  });

  it('let every principal that produces initialise an idempotent producer, and no other', () => {
    const idempotent = aclBindings(declared.principals)
      .filter((a) => a.resourceType === Resource.CLUSTER)
      .map((a) => [a.principal, a.resourceName, a.operation]);
    expect(idempotent).toEqual(
      ['writers', 'projectors', 'users', 'posts', 'collections'].map((p) => [
        `User:${p}`,
        'kafka-cluster',
        Op.IDEMPOTENT_WRITE,
      ]),
    );
  });

  it('give each principal its consumer groups by prefix, to join and to delete', () => {
    const groups = aclBindings({ posts: declared.principals.posts! }).filter((a) => a.resourceType === Resource.GROUP);
    expect(groups.map((g) => [g.resourceName, g.resourcePatternType, g.operation])).toEqual([
      ['posts-subgraph-', kafkajs.ResourcePatternTypes.PREFIXED, Op.READ],
      ['posts-subgraph-', kafkajs.ResourcePatternTypes.PREFIXED, Op.DELETE],
    ]);
  });
});

describe('the insights job principal (insights-job) (migrations/kafka/0003_insights_job_acls.json)', () => {
  const file = JSON.parse(
    readFileSync(join(repoRoot, 'migrations', 'kafka', '0003_insights_job_acls.json'), 'utf8'),
  ) as { principals: Record<string, PrincipalRights> };
  const bindings = aclBindings(file.principals);
  const of = (resourceType: number, operation: number) =>
    bindings
      .filter((a) => a.resourceType === resourceType && a.operation === operation)
      .map((a) => a.resourceName)
      .sort();

  it('reads the events, and produces the insights topics only', () => {
    expect(Object.keys(file.principals)).toEqual(['insights-job']);
    expect(enginePrincipals.kafka).toContain('insights-job');
    expect(of(Resource.TOPIC, Op.READ)).toEqual(['posts.events', 'users.events']);
    expect(of(Resource.TOPIC, Op.WRITE)).toEqual([
      'insights.follower_changes',
      'insights.post_engagement',
      'insights.throttles',
      'insights.trending_tags',
    ]);
  });

  it('may use its own transactional ids, by prefix, for the exactly-once sinks', () => {
    const transactional = bindings.filter((a) => a.resourceType === Resource.TRANSACTIONAL_ID);
    expect(transactional.map((a) => [a.resourceName, a.resourcePatternType, a.operation])).toEqual([
      ['insights-job', kafkajs.ResourcePatternTypes.PREFIXED, Op.WRITE],
    ]);
  });

  it('gives no other principal a transactional id', () => {
    expect(aclBindings(declared.principals).some((a) => a.resourceType === Resource.TRANSACTIONAL_ID)).toBe(false);
  });
});
