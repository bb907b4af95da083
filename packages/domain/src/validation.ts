import { DomainError } from './errors.ts';

/** Limits on user input; the GraphQL layer rejects anything past them before a command exists. */
export const limits = {
  usernameMin: 3,
  usernameMax: 30,
  displayNameMax: 80,
  bioMax: 500,
  urlMax: 2048,
  captionMax: 2200,
  tagsMax: 30,
  tagMax: 50,
  commentMax: 1000,
  collectionTitleMax: 100,
  collectionDescriptionMax: 1000,
} as const;

const USERNAME = /^[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?$/;
const TAG = /^[\p{L}\p{N}_]+$/u;

export function validUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (username.length < limits.usernameMin || username.length > limits.usernameMax) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `username must be ${limits.usernameMin} to ${limits.usernameMax} characters long`,
      { field: 'username' },
    );
  }
  if (!USERNAME.test(username)) {
    throw new DomainError(
      'BAD_USER_INPUT',
      'username may contain only letters, digits, "_" and "." (not at either end)',
      { field: 'username' },
    );
  }
  return username;
}

export function validText(field: string, raw: string | null | undefined, max: number, required = false): string {
  const text = (raw ?? '').trim();
  if (required && text.length === 0) throw new DomainError('BAD_USER_INPUT', `${field} must not be empty`, { field });
  if ([...text].length > max) {
    throw new DomainError('BAD_USER_INPUT', `${field} must be at most ${max} characters long`, { field });
  }
  return text;
}

/** An absolute http(s) URL, or the empty string when none was given. */
export function validUrl(field: string, raw: string | null | undefined): string {
  const text = (raw ?? '').trim();
  if (text === '') return '';
  if (text.length > limits.urlMax) {
    throw new DomainError('BAD_USER_INPUT', `${field} must be at most ${limits.urlMax} characters long`, { field });
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DomainError('BAD_USER_INPUT', `${field} is not a valid URL`, { field });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DomainError('BAD_USER_INPUT', `${field} must be an http or https URL`, { field });
  }
  return url.toString();
}

/** Tags without '#', lower-cased, de-duplicated, in the order given. */
export function validTags(raw: readonly string[] | null | undefined): string[] {
  const tags = [...new Set((raw ?? []).map((t) => t.trim().replace(/^#/, '').toLowerCase()).filter(Boolean))];
  if (tags.length > limits.tagsMax) {
    throw new DomainError('BAD_USER_INPUT', `a post may have at most ${limits.tagsMax} tags`, { field: 'tags' });
  }
  for (const tag of tags) {
    if (tag.length > limits.tagMax || !TAG.test(tag)) {
      throw new DomainError('BAD_USER_INPUT', `tag "${tag}" must be at most ${limits.tagMax} letters, digits or "_"`, {
        field: 'tags',
      });
    }
  }
  return tags;
}
