import type { Audience } from '@verograph/domain';
import { DomainError, limits, validTags, validText, validUrl } from '@verograph/domain';

import type { PostKind } from './postsStore.ts';

export interface CreatePostInput {
  readonly kind: PostKind;
  readonly audience: Audience;
  readonly caption?: string | null;
  readonly url?: string | null;
  readonly tags?: readonly string[] | null;
  readonly clientMutationId?: string | null;
}

export interface ValidPost {
  readonly kind: PostKind;
  readonly audience: Audience;
  readonly caption: string;
  /** The empty string when the post has none. */
  readonly url: string;
  readonly tags: string[];
}

/**
 * Validates createPost's input: caption, URL and tags within their limits, a TEXT post with
 * a caption, a LINK post with a URL, and no post without either (it would show nothing).
 */
export function validNewPost(input: CreatePostInput): ValidPost {
  const caption = validText('caption', input.caption, limits.captionMax);
  const url = validUrl('url', input.url);
  const tags = validTags(input.tags);
  if (input.kind === 'TEXT' && caption === '') {
    throw new DomainError('BAD_USER_INPUT', 'A TEXT post needs a caption.', { field: 'caption' });
  }
  if (input.kind === 'LINK' && url === '') {
    throw new DomainError('BAD_USER_INPUT', 'A LINK post needs a url.', { field: 'url' });
  }
  if (caption === '' && url === '') {
    throw new DomainError('BAD_USER_INPUT', 'A post needs a caption or a url.', { field: 'caption' });
  }
  return { kind: input.kind, audience: input.audience, caption, url, tags };
}
