import { limits, validLine, validText } from '@verograph/domain';

export interface CreateCollectionInput {
  readonly title: string;
  readonly description?: string | null;
  readonly clientMutationId?: string | null;
}

/** A new collection as the writer stores it: a title, and a description that may be empty. */
export interface ValidCollection {
  readonly title: string;
  readonly description: string;
}

/** Validates createCollection's input with the domain's limits (BAD_USER_INPUT naming the field). */
export function validNewCollection(input: CreateCollectionInput): ValidCollection {
  return {
    title: validLine('title', input.title, limits.collectionTitleMax, true),
    description: validText('description', input.description, limits.collectionDescriptionMax),
  };
}
