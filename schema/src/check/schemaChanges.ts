import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema, type GraphQLSchema } from 'graphql';

/** How much a change can hurt a client that was built against the old schema. */
export type Severity = 'breaking' | 'dangerous' | 'safe';

export interface SchemaChange {
  readonly severity: Severity;
  /** graphql-inspector's change type, e.g. FIELD_REMOVED, FIELD_TYPE_CHANGED. */
  readonly type: string;
  readonly message: string;
  /** The schema coordinate it touches, e.g. `User.bio`, `Query.user.id`, `Audience.FRIENDS`. */
  readonly path: string | undefined;
  /** Why it is breaking or dangerous, when graphql-inspector says. */
  readonly reason: string | undefined;
}

const severityOf: Record<CriticalityLevel, Severity> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/** Every difference between two client-facing API schemas, classed by what it does to clients. */
export async function schemaChanges(
  before: GraphQLSchema | string,
  after: GraphQLSchema | string,
): Promise<SchemaChange[]> {
  const asSchema = (s: GraphQLSchema | string) => (typeof s === 'string' ? buildSchema(s) : s);
  const changes: Change[] = await diff(asSchema(before), asSchema(after));
  return changes.map((change) => ({
    severity: severityOf[change.criticality.level],
    type: String(change.type),
    message: change.message,
    path: change.path,
    reason: change.criticality.reason,
  }));
}
