import { describe, expect, it } from 'vitest';
import { firstPage, nextPage, pageNumber, previousPage } from './cursorStack';

describe('cursor stack', () => {
  it('walks forward and back to the same cursors', () => {
    let s = firstPage;
    s = nextPage(s, 'c2');
    s = nextPage(s, 'c3');
    expect(s).toEqual({ previous: ['', 'c2'], current: 'c3' });
    expect(pageNumber(s)).toBe(3);
    s = previousPage(s);
    expect(s).toEqual({ previous: [''], current: 'c2' });
    s = previousPage(s);
    expect(s).toEqual(firstPage);
    expect(pageNumber(s)).toBe(1);
  });

  it('stays put at either end', () => {
    expect(previousPage(firstPage)).toBe(firstPage);
    const s = nextPage(firstPage, 'c2');
    expect(nextPage(s, '')).toBe(s);
  });
});
