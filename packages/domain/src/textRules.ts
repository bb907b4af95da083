/**
 * What user text may hold, whatever its field: nothing a reader cannot see or that changes how
 * the text around it is shown. NUL and other control characters break consumers (C strings,
 * terminals, logs); bidi overrides make "Eve‮nimda" render as "Eveadmin"; zero-width
 * characters make two names that look the same differ; stacks of combining marks ("Zalgo")
 * draw over the lines around them.
 */

/** The most combining marks one character may carry: enough for Hebrew, Thai or Tibetan, not for Zalgo. */
export const MAX_COMBINING_MARKS = 4;

export interface TextShape {
  /** Line breaks and tabs allowed (a caption, a bio), or one line (a name, a title). */
  readonly multiline: boolean;
}

/** The first thing wrong with a text, as a phrase for an error message, and where it is. */
export interface TextProblem {
  readonly what: string;
  /** 1-based position in characters (code points), so the message never needs to echo the text. */
  readonly at: number;
}

const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const BLACK_FLAG = 0x1f3f4;
const TAG_FIRST = 0xe0020;
const CANCEL_TAG = 0xe007f;

const CONTROL = /\p{Cc}/u;
const SURROGATE = /\p{Cs}/u;
const FORMAT = /\p{Cf}/u;
const MARK = /\p{M}/u;
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;
/** Embeddings, overrides, isolates and the implicit marks of the Unicode bidi algorithm. */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const EMOJI_BEFORE_JOINER = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]/u;
const EMOJI = /\p{Extended_Pictographic}/u;
const LETTER = /[\p{L}\p{M}]/u;
/** Scripts that never need a joiner: one between their letters only hides a difference. */
const NO_JOINERS = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}\p{Script=Inherited}]/u;

const joiningLetter = (ch: string | undefined) => ch !== undefined && LETTER.test(ch) && !NO_JOINERS.test(ch);

/**
 * ZWJ and ZWNJ are how emoji sequences (👩‍💻) and scripts such as Devanagari and Persian are
 * written, so they stay where they join two such characters and nowhere else.
 */
function joinerAllowed(before: string | undefined, after: string | undefined): boolean {
  if (before !== undefined && after !== undefined && EMOJI_BEFORE_JOINER.test(before) && EMOJI.test(after)) {
    return true;
  }
  return joiningLetter(before) && joiningLetter(after);
}

/** Line breaks as one character: CRLF and a lone CR become LF. */
export function normalizeLineBreaks(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * The first character a text of this shape may not hold, or undefined. Expects NFC text:
 * marks that NFC composes into their base do not count towards MAX_COMBINING_MARKS.
 */
export function textProblem(text: string, shape: TextShape): TextProblem | undefined {
  const chars = [...text];
  let marks = 0;
  let inFlagTags = false;
  for (const [i, ch] of chars.entries()) {
    const at = i + 1;
    const cp = ch.codePointAt(0)!;
    const afterFlagTag: boolean = inFlagTags;
    inFlagTags = false;
    if (ch === '\n' || ch === '\t') {
      if (!shape.multiline) return { what: ch === '\n' ? 'a line break' : 'a tab', at };
    } else if (CONTROL.test(ch)) {
      return { what: `a control character (U+${hex(cp)})`, at };
    } else if (SURROGATE.test(ch)) {
      return { what: 'an unpaired surrogate', at };
    } else if (SEPARATOR.test(ch)) {
      return { what: `a line or paragraph separator (U+${hex(cp)})`, at };
    } else if (FORMAT.test(ch)) {
      const isTag = cp >= TAG_FIRST && cp <= CANCEL_TAG;
      // Subdivision flags (🏴 + tag letters + cancel tag) are the one use of tag characters.
      const flagTag: boolean = isTag && (afterFlagTag || chars[i - 1]?.codePointAt(0) === BLACK_FLAG);
      const joiner = (cp === ZWJ || cp === ZWNJ) && joinerAllowed(chars[i - 1], chars[i + 1]);
      if (!flagTag && !joiner) {
        const kind = BIDI.test(ch) ? 'a direction-changing (bidi) character' : 'an invisible formatting character';
        return { what: `${kind} (U+${hex(cp)})`, at };
      }
      inFlagTags = flagTag && cp !== CANCEL_TAG;
    }
    if (MARK.test(ch)) {
      if (i === 0) return { what: 'a combining mark with no character before it', at };
      marks += 1;
      if (marks > MAX_COMBINING_MARKS) {
        return { what: `more than ${MAX_COMBINING_MARKS} combining marks on one character`, at };
      }
    } else {
      marks = 0;
    }
  }
  return undefined;
}

const hex = (cp: number) => cp.toString(16).toUpperCase().padStart(4, '0');
