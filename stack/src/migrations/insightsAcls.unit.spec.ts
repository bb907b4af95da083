import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { repoRoot } from '../layout.ts';
import { declaredPrincipals, type PrincipalRights } from './kafkaAcls.ts';
import { loadMigrations } from './migration.ts';

const dir = join(repoRoot, 'migrations', 'kafka');
const effective = declaredPrincipals(loadMigrations(dir, 'json'));
const before = (
  JSON.parse(readFileSync(join(dir, '0002_service_acls.json'), 'utf8')) as {
    principals: Record<string, PrincipalRights>;
  }
).principals;
const declaredTopics = new Set(
  loadMigrations(dir, 'json').flatMap(
    (m) => (JSON.parse(m.body) as { topics?: Array<{ name: string }> }).topics?.map((t) => t.name) ?? [],
  ),
);
const readersOf = (topic: string) =>
  Object.entries(effective)
    .filter(([, rights]) => rights.consume.includes(topic))
    .map(([name]) => name)
    .sort();

/*
 * A later file that names a principal replaces its rights (kafkaAcls.ts): 0004 restates the
 * writers' and projectors' rights with the insights topics added. These specs catch a restatement
 * that drifts from 0002, which would silently take a right away on the next `migrate`.
 */
describe('the insights topics (migrations/kafka/0004_insights_topics.json)', () => {
  it('keep every right 0002 gave the writers and the projectors', () => {
    for (const name of ['writers', 'projectors'] as const) {
      const was = before[name]!;
      const now = effective[name]!;
      expect(now.groupPrefix).toBe(was.groupPrefix);
      expect(now.produce).toEqual(was.produce);
      expect(now.consume).toEqual(expect.arrayContaining([...was.consume]));
    }
  });

  it('let only the writers read the throttles, and only the projectors the results', () => {
    expect(readersOf('insights.throttles')).toEqual(['writers']);
    for (const topic of ['insights.trending_tags', 'insights.post_engagement', 'insights.follower_changes']) {
      expect(readersOf(topic)).toEqual(['projectors']);
    }
  });

  it('give the writers and the projectors nothing to produce on an insights topic', () => {
    for (const name of ['writers', 'projectors']) {
      expect(effective[name]!.produce.filter((t) => t.startsWith('insights.'))).toEqual([]);
    }
  });

  it('name only declared topics in every right', () => {
    for (const [name, rights] of Object.entries(effective)) {
      for (const topic of [...rights.consume, ...rights.produce])
        expect(declaredTopics.has(topic), `${name}: ${topic}`).toBe(true);
    }
  });
});
