import { DomainError } from './errors.ts';
import { normalizeLineBreaks, textProblem, type TextShape } from './textRules.ts';

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
/** Letters (with their combining marks, as Hindi or Thai need), digits and '_'. */
const TAG = /^[\p{L}\p{N}_][\p{L}\p{M}\p{N}_]*$/u;

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

/**
 * Text as it is stored: trimmed, NFC-normalised (so "é" typed two ways is one string), line
 * breaks as LF; refused (BAD_USER_INPUT naming the field and where) if it holds a control,
 * invisible or bidi character, or a stack of combining marks (`textProblem`). The message says
 * where the problem is and never echoes the input.
 */
function validShapedText(
  field: string,
  raw: string | null | undefined,
  max: number,
  required: boolean,
  shape: TextShape,
): string {
  const trimmed = (raw ?? '').normalize('NFC').trim();
  const text = shape.multiline ? normalizeLineBreaks(trimmed) : trimmed;
  if (required && text.length === 0) throw new DomainError('BAD_USER_INPUT', `${field} must not be empty`, { field });
  const problem = textProblem(text, shape);
  if (problem) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `${field} must not contain ${problem.what} (character ${problem.at}); remove it and try again`,
      { field },
    );
  }
  if ([...text].length > max) {
    throw new DomainError('BAD_USER_INPUT', `${field} must be at most ${max} characters long`, { field });
  }
  return text;
}

/** Text that may span lines (a caption, a bio, a comment, a description): `\n` and tabs allowed. */
export function validText(field: string, raw: string | null | undefined, max: number, required = false): string {
  return validShapedText(field, raw, max, required, { multiline: true });
}

/** One line of text (a display name, a title): no line breaks or tabs either. */
export function validLine(field: string, raw: string | null | undefined, max: number, required = false): string {
  return validShapedText(field, raw, max, required, { multiline: false });
}

/** An absolute http(s) URL, or the empty string when none was given. */
export function validUrl(field: string, raw: string | null | undefined): string {
  const text = validLine(field, raw, limits.urlMax);
  if (text === '') return '';
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

/** Tags without '#', NFC, lower-cased, de-duplicated, in the order given. */
export function validTags(raw: readonly string[] | null | undefined): string[] {
  const tags = [
    ...new Set((raw ?? []).map((t) => t.normalize('NFC').trim().replace(/^#/, '').toLowerCase()).filter(Boolean)),
  ];
  if (tags.length > limits.tagsMax) {
    throw new DomainError('BAD_USER_INPUT', `a post may have at most ${limits.tagsMax} tags`, { field: 'tags' });
  }
  for (const [i, tag] of tags.entries()) {
    if ([...tag].length > limits.tagMax || !TAG.test(tag) || textProblem(tag, { multiline: false })) {
      // The tag is not echoed: it is unbounded input and may hold anything.
      throw new DomainError(
        'BAD_USER_INPUT',
        `tag ${i + 1} must be at most ${limits.tagMax} letters, digits or "_" (with their accents)`,
        { field: 'tags' },
      );
    }
  }
  return tags;
}
