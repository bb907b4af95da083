import type { DomainError } from '@verograph/domain';
import { limits } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { validNewCollection } from './collectionInput.ts';

const failure = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    return { code: (error as DomainError).code, field: (error as DomainError).field };
  }
};

describe('validNewCollection', () => {
  it('given a title and no description, when validated, then it trims and defaults the description to empty', () => {
    expect(validNewCollection({ title: '  Summer reads ' })).toEqual({ title: 'Summer reads', description: '' });
  });

  it('given a blank title, when validated, then it is BAD_USER_INPUT on title', () => {
    expect(failure(() => validNewCollection({ title: '   ' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'title' });
  });

  it('given texts at and past their limits, when validated, then only the oversized one is refused', () => {
    const title = 't'.repeat(limits.collectionTitleMax);
    const description = 'd'.repeat(limits.collectionDescriptionMax);
    expect(validNewCollection({ title, description })).toEqual({ title, description });
    expect(failure(() => validNewCollection({ title: `${title}x` }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'title',
    });
    expect(failure(() => validNewCollection({ title: 'ok', description: `${description}x` }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'description',
    });
  });
});
