import type { AudienceAdmission } from './audienceAdmissions.ts';
import { audienceAdmissions } from './audienceAdmissions.ts';

/** The table aliases and the viewer parameter a visibility predicate is written against. */
export interface VisibilitySqlNames {
  /** Alias of `post_audiences` (post_id, author_id, audience, deleted). */
  readonly post: string;
  /**
   * Alias of the `audience_grants` row of (the post's author, the viewer), LEFT JOINed: its
   * columns are NULL when the author neither is followed by nor filed the viewer.
   */
  readonly grant: string;
  /** The positional parameter holding the viewer's id, e.g. `$2`. */
  readonly viewer: string;
}

/** Enum values are inlined into SQL; anything but upper-case words would be a bug upstream. */
function literal(value: string): string {
  if (!/^[A-Z_]+$/.test(value)) throw new Error(`not an enum value: ${value}`);
  return `'${value}'`;
}

function admissionSql(row: AudienceAdmission, grant: string): string | undefined {
  const ways: string[] = [];
  if (row.levels.length > 0) ways.push(`${grant}.level IN (${row.levels.map(literal).join(', ')})`);
  if (row.byFollowing) ways.push(`${grant}.follows`);
  return ways.length === 0 ? undefined : `(${ways.join(' OR ')})`;
}

/**
 * The SQL condition "the viewer may see this post": the viewer wrote it, or the author's grant
 * to the viewer admits the post's audience. Built from `audienceAdmissions()` (the domain's
 * rule); deleted posts are not its concern (callers join on `NOT deleted`).
 */
export function visibleToViewerSql(
  names: VisibilitySqlNames,
  table: readonly AudienceAdmission[] = audienceAdmissions(),
): string {
  const { post, grant, viewer } = names;
  const byAudience = table.flatMap((row) => {
    const admitted = admissionSql(row, grant);
    return admitted === undefined ? [] : [`(${post}.audience = ${literal(row.audience)} AND ${admitted})`];
  });
  // A NULL grant column makes its clause NULL, never true: strangers see only what the author admits to all.
  return `(${[`${post}.author_id = ${viewer}`, ...byAudience].join(' OR ')})`;
}
