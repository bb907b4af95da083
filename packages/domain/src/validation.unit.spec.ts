import { describe, expect, it } from 'vitest';

import { DomainError } from './errors.ts';
import { MAX_COMBINING_MARKS, textProblem } from './textRules.ts';
import { limits, validLine, validTags, validText, validUrl } from './validation.ts';

const refusal = (run: () => unknown): DomainError => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError, got an answer');
};

describe('user text (issue 12, item 11)', () => {
  it('given the display name of the report, when validated, then refused naming the field and the NUL, not echoed', () => {
    const error = refusal(() => validLine('displayName', 'Ev\u0000e\u202Eadmin', limits.displayNameMax, true));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.field).toBe('displayName');
    expect(error.message).toBe(
      'displayName must not contain a control character (U+0000) (character 3); remove it and try again',
    );
  });

  const refused: Array<[string, string, RegExp]> = [
    ['NUL', 'a\u0000b', /control character \(U\+0000\)/],
    ['DEL', 'a\u007Fb', /control character \(U\+007F\)/],
    ['a C1 control', 'a\u0085b', /control character \(U\+0085\)/],
    ['a bell', 'a\u0007b', /control character/],
    ['right-to-left override', 'Eve\u202Enimda', /bidi.*U\+202E.*character 4/],
    ['left-to-right embedding', '\u202Ax', /bidi/],
    ['a first-strong isolate', 'x\u2068y', /bidi/],
    ['a right-to-left mark', 'x\u200Fy', /bidi/],
    ['the Arabic letter mark', 'x\u061Cy', /bidi/],
    ['a zero-width space', 'ad\u200Bmin', /invisible formatting character \(U\+200B\)/],
    ['a zero-width joiner between Latin letters', 'ad\u200Dmin', /invisible.*U\+200D/],
    ['a zero-width non-joiner between Latin letters', 'ad\u200Cmin', /invisible.*U\+200C/],
    ['a word joiner', 'a\u2060b', /invisible/],
    ['a byte-order mark inside', 'ad\uFEFFmin', /invisible.*U\+FEFF/],
    ['a soft hyphen', 'ad\u00ADmin', /invisible/],
    ['a tag character outside a flag', 'a\u{E0061}b', /invisible/],
    ['a line separator', 'a\u2028b', /line or paragraph separator/],
    ['an unpaired surrogate', 'a\uD800b', /unpaired surrogate/],
    ['Zalgo', `Z${'\u0336\u0337\u0338\u0335\u0334'}algo`, /more than 4 combining marks/],
    ['a leading combining mark', '\u0301abc', /combining mark with no character before it/],
  ];
  for (const [what, text, message] of refused) {
    it(`given ${what}, when validated as a line or as text, then BAD_USER_INPUT saying what and where`, () => {
      for (const validate of [validLine, validText]) {
        const error = refusal(() => validate('caption', text, 100));
        expect(error.code).toBe('BAD_USER_INPUT');
        expect(error.field).toBe('caption');
        expect(error.message).toMatch(message);
      }
    });
  }

  it('given line breaks and tabs, when text, then kept (CRLF as LF); when one line, then refused', () => {
    expect(validText('bio', 'line one\r\nline two\rthree\n\tindented', 100)).toBe(
      'line one\nline two\nthree\n\tindented',
    );
    expect(refusal(() => validLine('displayName', 'Eve\nAdmin', 100)).message).toMatch(/a line break \(character 4\)/);
    expect(refusal(() => validLine('title', 'a\tb', 100)).message).toMatch(/a tab/);
    expect(refusal(() => validLine('title', 'a\rb', 100)).message).toMatch(/control character \(U\+000D\)/);
  });

  it('given decomposed accents, when validated, then stored as NFC and counted as one character each', () => {
    const decomposed = 'Cafe\u0301 Zoe\u0308';
    expect(decomposed.normalize('NFC')).not.toBe(decomposed);
    expect(validLine('displayName', decomposed, 100)).toBe('Café Zoë');
    expect(validLine('displayName', 'e\u0301'.repeat(5), 5)).toBe('é'.repeat(5));
  });

  it(`given up to ${MAX_COMBINING_MARKS} marks on a character, as real scripts write them, then accepted`, () => {
    const accepted = [
      'שָׁלוֹם', // Hebrew: shin with shin dot and qamats
      'बुद्धि', // Devanagari
      'ภาษาไทย', // Thai
      'བསྒྲུབས', // Tibetan: three stacked marks
      `x${'\u0301\u0302\u0303\u0304'}`, // exactly the limit
      '1\uFE0F\u20E3', // keycap emoji
    ];
    for (const text of accepted) expect(textProblem(text.normalize('NFC'), { multiline: false }), text).toBeUndefined();
  });

  it('given joiners inside emoji sequences, Indic and Persian words, and subdivision flags, then accepted', () => {
    const accepted = [
      '👩\u200D💻', // woman technologist
      '👩🏽\u200D💻', // with a skin tone
      '🏳\uFE0F\u200D🌈', // rainbow flag
      'क्\u200Dष', // Devanagari with ZWJ
      'می\u200Cخواهم', // Persian with ZWNJ
      '🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}', // flag of England
    ];
    for (const text of accepted) expect(validLine('displayName', text, 100), text).toBe(text);
    expect(refusal(() => validLine('displayName', '\u200D💻', 100)).message).toMatch(/U\+200D/);
    expect(refusal(() => validLine('displayName', '👩\u200D', 100)).message).toMatch(/U\+200D/);
  });

  it('given a long refused value, when the message is built, then it never echoes the input', () => {
    const hostile = `${'A'.repeat(5_000)}\u202E${'B'.repeat(5_000)}`;
    const error = refusal(() => validText('caption', hostile, limits.captionMax));
    expect(error.message.length).toBeLessThan(200);
    expect(error.message).not.toContain('AAAA');
    expect(error.message).toMatch(/character 5001/);
  });

  it('given the length limit, when text is exactly at it or one past, then accepted or refused', () => {
    expect(validLine('title', 'x'.repeat(limits.collectionTitleMax), limits.collectionTitleMax)).toHaveLength(100);
    expect(refusal(() => validLine('title', 'x'.repeat(101), limits.collectionTitleMax)).message).toMatch(
      /at most 100/,
    );
    expect(refusal(() => validLine('title', '   ', 100, true)).message).toBe('title must not be empty');
  });

  it('given a URL with a control or bidi character, when validated, then refused before it is parsed', () => {
    expect(refusal(() => validUrl('url', 'https://example.com/\u202Egnp.exe')).field).toBe('url');
    expect(refusal(() => validUrl('url', 'https://exa\u0000mple.com')).message).toMatch(/control character/);
    expect(validUrl('url', 'https://example.com/a b')).toBe('https://example.com/a%20b');
  });

  it('given tags with hidden characters, Zalgo or decomposed accents, then refused without echo, or NFC', () => {
    const hidden = refusal(() => validTags(['ok', 'ad\u200Bmin']));
    expect(hidden.field).toBe('tags');
    expect(hidden.message).toMatch(/^tag 2 /);
    expect(hidden.message).not.toContain('ad');
    expect(refusal(() => validTags([`z${'\u0336'.repeat(8)}`])).field).toBe('tags');
    expect(refusal(() => validTags(['x'.repeat(10_000)])).message.length).toBeLessThan(120);
    expect(validTags(['#Cafe\u0301', 'café', 'हिंदी'])).toEqual(['café', 'हिंदी']);
  });
});
