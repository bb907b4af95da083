/** Which live-updates topic a cursor points into. */
export type LiveStream = 'feed' | 'engagement' | 'notification';

/** Every live stream, in one place for the per-stream tables. */
export const liveStreams: readonly LiveStream[] = ['feed', 'engagement', 'notification'];

/** A position in a live-updates topic: one viewer's (or one post's) events all live in one partition. */
export interface LiveCursor {
  readonly stream: LiveStream;
  readonly partition: number;
  readonly offset: number;
}

const PREFIX: Record<LiveStream, string> = { feed: 'f', engagement: 'e', notification: 'n' };
const FORMAT = /^([fen])1\.(\d{1,6})\.(\d{1,16})$/;

/**
 * The opaque cursor clients see: base64url of `<stream>1.<partition>.<offset>`. The version
 * digit lets the format change without misreading cursors clients still hold.
 */
export function encodeCursor(cursor: LiveCursor): string {
  return Buffer.from(`${PREFIX[cursor.stream]}1.${cursor.partition}.${cursor.offset}`).toString('base64url');
}

/** The cursor a client sent back, or undefined when it is not one of ours (or for another stream). */
export function decodeCursor(text: string, stream: LiveStream): LiveCursor | undefined {
  if (text.length > 64 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const match = FORMAT.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match || match[1] !== PREFIX[stream]) return undefined;
  const partition = Number(match[2]);
  const offset = Number(match[3]);
  if (!Number.isSafeInteger(offset)) return undefined;
  return { stream, partition, offset };
}
