import { describe, expect, it } from 'vitest';

import { WaitingSince } from './waitingSince.ts';

describe('WaitingSince', () => {
  it('given items waiting since different times, when swept, then only those past the timeout are taken, oldest first, once', () => {
    const waiting = new WaitingSince<string>(100);
    waiting.start('a', 0);
    waiting.start('b', 50);
    waiting.start('c', 120);
    expect(waiting.takeDue(99)).toEqual([]);
    expect(waiting.takeDue(150)).toEqual(['a', 'b']);
    expect(waiting.takeDue(150)).toEqual([]);
    expect(waiting.size).toBe(1);
    expect(waiting.takeDue(220)).toEqual(['c']);
  });

  it('given an item whose wait restarts, then it waits again from then; a stopped one is never taken', () => {
    const waiting = new WaitingSince<string>(100);
    waiting.start('a', 0);
    waiting.start('b', 10);
    waiting.start('a', 60);
    waiting.stop('b');
    expect(waiting.has('b')).toBe(false);
    expect(waiting.takeDue(120)).toEqual([]);
    expect(waiting.takeDue(160)).toEqual(['a']);
  });
});
