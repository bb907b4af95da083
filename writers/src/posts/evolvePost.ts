import { assertNever } from '../writer/decision.ts';
import type { PostCommand, PostEvent, PostRecord, PostState } from './postModel.ts';

/** A post row as an event leaves it, from the row before it (undefined: not known). */
export function evolvePostRecord(post: PostRecord | undefined, event: PostEvent): PostRecord | undefined {
  switch (event.type) {
    case 'PostCreated':
      return { authorId: event.authorId, createdAt: event.createdAt, deleted: false, loveCount: 0, commentCount: 0 };
    case 'PostDeleted':
      return post && { ...post, deleted: true };
    case 'PostLoved':
    case 'PostUnloved':
      return post && { ...post, loveCount: event.loveCount };
    case 'CommentAdded':
      return post && { ...post, commentCount: event.commentCount };
    default:
      return assertNever(event);
  }
}

/** What a posts command reads once an event of its post is written (see `AggregateWriter.evolve`). */
export function evolvePostState(state: PostState, command: PostCommand, event: PostEvent): PostState {
  const post = evolvePostRecord(state.post, event);
  switch (event.type) {
    case 'PostLoved':
    case 'PostUnloved':
      return (command.type === 'LovePost' || command.type === 'UnlovePost') && command.userId === event.userId
        ? { ...state, post, loved: event.type === 'PostLoved' }
        : { ...state, post };
    case 'CommentAdded':
      return command.type === 'CommentOnPost' && command.commentId === event.commentId
        ? { ...state, post, commentExists: true }
        : { ...state, post };
    case 'PostCreated':
    case 'PostDeleted':
      return { ...state, post };
    default:
      return assertNever(event);
  }
}
