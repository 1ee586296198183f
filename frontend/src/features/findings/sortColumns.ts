import type { FindingSort } from '../../api/types';

/** Sortable columns and the server sort for each direction (see SORT_LABELS for meaning). */
export const SORT_COLUMNS = {
  severity: { desc: 'severity', asc: '-severity' },
  first_seen: { desc: 'first_seen', asc: '-first_seen' },
  last_seen: { desc: 'last_seen', asc: '-last_seen' },
} as const satisfies Record<string, { desc: FindingSort; asc: FindingSort }>;

export type SortColumn = keyof typeof SORT_COLUMNS;

/** Which column and direction a sort shows as; no sort means the server's default, severity. */
export function sortState(sort: FindingSort | undefined): { column: SortColumn; direction: 'asc' | 'desc' } {
  const s = sort ?? 'severity';
  const column = s.replace(/^-/, '') as SortColumn;
  return { column, direction: s.startsWith('-') ? 'asc' : 'desc' };
}

export function sortFor(column: SortColumn, direction: 'asc' | 'desc'): FindingSort | undefined {
  const s = SORT_COLUMNS[column][direction];
  return s === 'severity' ? undefined : s;
}
