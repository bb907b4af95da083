import type { Audience, ConnectionLevel } from '@verograph/domain';
import { audiences, connectionLevels } from '@verograph/domain';

/**
 * The writers store enums as text. These accept the domain's names and, defensively, the
 * protobuf names ("AUDIENCE_FRIENDS"), so a projector never guesses wider than it should.
 */
export function parseAudience(text: unknown): Audience | undefined {
  if (typeof text !== 'string') return undefined;
  const name = text.replace(/^AUDIENCE_/, '');
  return audiences.find((a) => a === name);
}

export function parseLevel(text: unknown): ConnectionLevel | undefined {
  if (typeof text !== 'string') return undefined;
  const name = text.replace(/^CONNECTION_LEVEL_/, '');
  return connectionLevels.find((l) => l === name);
}

/** The `connections.state` of two users who are connected (the others are pending requests). */
export const CONNECTED = 'CONNECTED';
