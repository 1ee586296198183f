// Keyset pagination with Previous/Next: the API only moves forward (next_cursor), so the
// cursors that led to each earlier page are kept on a stack.

export interface CursorStack {
  /** Cursors of the pages before the current one; the first page's cursor is ''. */
  previous: string[];
  /** Cursor that fetched the current page ('' for the first page). */
  current: string;
}

export const firstPage: CursorStack = { previous: [], current: '' };

export function nextPage(s: CursorStack, nextCursor: string): CursorStack {
  if (!nextCursor) return s;
  return { previous: [...s.previous, s.current], current: nextCursor };
}

export function previousPage(s: CursorStack): CursorStack {
  if (s.previous.length === 0) return s;
  return { previous: s.previous.slice(0, -1), current: s.previous[s.previous.length - 1] ?? '' };
}

/** 1-based page number, for "Page 3". */
export function pageNumber(s: CursorStack): number {
  return s.previous.length + 1;
}
