/** Commands on collections.commands, keyed by collection id. */
export type CollectionCommand =
  | {
      readonly type: 'CreateCollection';
      readonly collectionId: string;
      readonly ownerId: string;
      readonly title: string;
      readonly description: string;
    }
  | { readonly type: 'AddToCollection'; readonly collectionId: string; readonly postId: string }
  | { readonly type: 'RemoveFromCollection'; readonly collectionId: string; readonly postId: string };

/** Events on collections.events. */
export type CollectionEvent =
  | {
      readonly type: 'CollectionCreated';
      readonly collectionId: string;
      readonly ownerId: string;
      readonly title: string;
      readonly description: string;
      readonly createdAt: Date;
    }
  | {
      readonly type: 'PostAddedToCollection';
      readonly collectionId: string;
      readonly postId: string;
      /** Items are ordered by position; a new item goes last. */
      readonly position: number;
      readonly addedAt: Date;
    }
  | { readonly type: 'PostRemovedFromCollection'; readonly collectionId: string; readonly postId: string };

/** What the collections writer knows when it decides a command. */
export interface CollectionState {
  /** The collection; undefined when none has this id. */
  readonly collection?: { readonly ownerId: string; readonly nextPosition: number } | undefined;
  /** For CreateCollection: whether the owner has a profile. */
  readonly ownerHasProfile?: boolean | undefined;
  /** For AddToCollection: whether the post exists and is not deleted. */
  readonly postExists?: boolean | undefined;
  /** For AddToCollection and RemoveFromCollection: whether the post is in the collection. */
  readonly inCollection?: boolean | undefined;
}
