import type { Audience, AuthorRelation, ConnectionLevel } from '@verograph/domain';
import { audiences, connectionLevels, visibleAudiences } from '@verograph/domain';

/** Who, besides the author, an audience admits: viewers filed at these levels, and followers or not. */
export interface AudienceAdmission {
  readonly audience: Audience;
  /** The levels (how the author files the viewer) that admit the audience on their own. */
  readonly levels: readonly ConnectionLevel[];
  /** Whether following the author, with no connection, admits the audience. */
  readonly byFollowing: boolean;
}

/**
 * The audience rule as a table, read off the domain's `visibleAudiences` rather than written
 * again here, so PostgreSQL applies exactly the rule the rest of the system applies. The table
 * splits the rule into "the level admits" OR "following admits"; `admits` evaluates that split
 * and the unit spec proves it agrees with `canSee` for every audience and relation.
 */
export function audienceAdmissions(): AudienceAdmission[] {
  const byFollowing = visibleAudiences({ follows: true });
  return audiences.map((audience) => ({
    audience,
    levels: connectionLevels.filter((level) => visibleAudiences({ level, follows: false }).includes(audience)),
    byFollowing: byFollowing.includes(audience),
  }));
}

/** Whether the table admits a viewer (who is not the author) to an audience. */
export function admits(table: readonly AudienceAdmission[], audience: Audience, relation: AuthorRelation): boolean {
  const row = table.find((r) => r.audience === audience);
  if (row === undefined) return false;
  return (relation.level !== undefined && row.levels.includes(relation.level)) || (row.byFollowing && relation.follows);
}
