import type { Audience } from '@verograph/domain';

/** What a post is about; the names of the protobuf enum `PostKind` without its prefix. */
export type PostKind = 'PHOTO' | 'VIDEO' | 'LINK' | 'MUSIC' | 'MOVIE' | 'BOOK' | 'PLACE' | 'TEXT';
export const postKinds: readonly PostKind[] = ['PHOTO', 'VIDEO', 'LINK', 'MUSIC', 'MOVIE', 'BOOK', 'PLACE', 'TEXT'];

/** Commands on posts.commands, keyed by post id: one post's commands are decided in order. */
export type PostCommand =
  | {
      readonly type: 'CreatePost';
      readonly postId: string;
      readonly authorId: string;
      readonly kind: PostKind | undefined;
      readonly audience: Audience | undefined;
      readonly caption: string;
      readonly url: string;
      readonly tags: readonly string[];
      /** Set only by a trusted publisher importing earlier posts (see commands.proto); else the writer's clock. */
      readonly createdAt?: Date;
    }
  | { readonly type: 'DeletePost'; readonly postId: string }
  | { readonly type: 'LovePost'; readonly postId: string; readonly userId: string }
  | { readonly type: 'UnlovePost'; readonly postId: string; readonly userId: string }
  | {
      readonly type: 'CommentOnPost';
      readonly postId: string;
      readonly commentId: string;
      readonly authorId: string;
      readonly text: string;
    };

/** Events on posts.events. Counts are absolute: the writer sees a post's commands in order. */
export type PostEvent =
  | {
      readonly type: 'PostCreated';
      readonly postId: string;
      readonly authorId: string;
      readonly kind: PostKind;
      readonly audience: Audience;
      readonly caption: string;
      readonly url: string;
      readonly tags: readonly string[];
      readonly createdAt: Date;
    }
  | { readonly type: 'PostDeleted'; readonly postId: string; readonly authorId: string; readonly createdAt: Date }
  | {
      readonly type: 'PostLoved';
      readonly postId: string;
      readonly userId: string;
      readonly loveCount: number;
      readonly lovedAt: Date;
    }
  | { readonly type: 'PostUnloved'; readonly postId: string; readonly userId: string; readonly loveCount: number }
  | {
      readonly type: 'CommentAdded';
      readonly postId: string;
      readonly commentId: string;
      readonly authorId: string;
      readonly text: string;
      readonly createdAt: Date;
      readonly commentCount: number;
    };

/** A post as the system of record holds it. */
export interface PostRecord {
  readonly authorId: string;
  readonly createdAt: Date;
  readonly deleted: boolean;
  readonly loveCount: number;
  readonly commentCount: number;
}

/** What the posts writer knows when it decides a command. */
export interface PostState {
  /** The post, deleted or not; undefined when no post has this id. */
  readonly post?: PostRecord | undefined;
  /** For CreatePost: whether the author has a profile. */
  readonly authorHasProfile?: boolean | undefined;
  /** For LovePost and UnlovePost: whether the user loves the post. */
  readonly loved?: boolean | undefined;
  /** For CommentOnPost: whether a comment already has the command's comment id. */
  readonly commentExists?: boolean | undefined;
}
