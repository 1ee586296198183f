// The findings list keeps every filter in the URL so that a view can be shared or bookmarked.
// parseFilters and filtersToSearch are inverses for every valid filter set (tested).
import { FINDING_SORTS, FINDING_STATUSES, SEVERITIES, TRIAGE_STATES, isOneOf } from '../../api/enums';
import type { FindingSort, FindingStatus, Severity, Triage } from '../../api/types';
import type { paths } from '../../api/schema';

export interface FindingFilters {
  /** Empty means the server default: open. */
  status: FindingStatus[];
  /** At or above. */
  severity?: Severity;
  check: string[];
  csa?: string;
  target?: number;
  namespace?: string;
  owner?: string;
  /** key=value on the finding's asset. */
  label?: string;
  triage: Triage[];
  assignee?: string;
  q?: string;
  sort?: FindingSort;
  limit?: number;
}

export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;

const TEXT_KEYS = ['csa', 'namespace', 'owner', 'label', 'assignee', 'q'] as const;
export const emptyFilters: FindingFilters = { status: [], check: [], triage: [] };

/** Comma-separated or repeated, trimmed, de-duplicated. */
function listParam(search: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (const v of search.getAll(name)) {
    for (const part of v.split(',')) {
      const s = part.trim();
      if (s && !out.includes(s)) out.push(s);
    }
  }
  return out;
}

function positiveInt(v: string | null): number | undefined {
  if (!v || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

/** Reads filters from a query string; unknown or invalid values are dropped, not sent. */
export function parseFilters(search: URLSearchParams): FindingFilters {
  const f: FindingFilters = {
    status: listParam(search, 'status').filter((s): s is FindingStatus => isOneOf(FINDING_STATUSES, s)),
    check: listParam(search, 'check'),
    triage: listParam(search, 'triage').filter((s): s is Triage => isOneOf(TRIAGE_STATES, s)),
  };
  const severity = search.get('severity');
  if (isOneOf(SEVERITIES, severity)) f.severity = severity;
  const sort = search.get('sort');
  if (isOneOf(FINDING_SORTS, sort)) f.sort = sort;
  const target = positiveInt(search.get('target'));
  if (target) f.target = target;
  const limit = positiveInt(search.get('limit'));
  if (limit && (PAGE_SIZES as readonly number[]).includes(limit)) f.limit = limit;
  for (const k of TEXT_KEYS) {
    const v = search.get(k)?.trim();
    if (v) f[k] = v;
  }
  return f;
}

/** The query string for a filter set, in a stable order, without empty values. */
export function filtersToSearch(f: FindingFilters): URLSearchParams {
  const s = new URLSearchParams();
  if (f.status.length) s.set('status', f.status.join(','));
  if (f.severity) s.set('severity', f.severity);
  if (f.check.length) s.set('check', f.check.join(','));
  if (f.csa) s.set('csa', f.csa);
  if (f.target) s.set('target', String(f.target));
  if (f.namespace) s.set('namespace', f.namespace);
  if (f.owner) s.set('owner', f.owner);
  if (f.label) s.set('label', f.label);
  if (f.triage.length) s.set('triage', f.triage.join(','));
  if (f.assignee) s.set('assignee', f.assignee);
  if (f.q) s.set('q', f.q);
  if (f.sort) s.set('sort', f.sort);
  if (f.limit) s.set('limit', String(f.limit));
  return s;
}

type ListQuery = NonNullable<paths['/api/v1/tenants/{tenant}/findings']['get']['parameters']['query']>;

/** The API query for one page of the list. */
export function filtersToQuery(f: FindingFilters, cursor: string): ListQuery {
  const q: ListQuery = { limit: f.limit ?? DEFAULT_PAGE_SIZE };
  if (f.status.length) q.status = f.status;
  if (f.severity) q.severity = f.severity;
  if (f.check.length) q.check = f.check;
  if (f.triage.length) q.triage = f.triage;
  if (f.target) q.target = f.target;
  if (f.sort) q.sort = f.sort;
  for (const k of TEXT_KEYS) if (f[k]) q[k] = f[k];
  if (cursor) q.cursor = cursor;
  return q;
}

/** Link to the findings list with these filters, e.g. from a dashboard number. */
export function findingsHref(tenant: string, filters: Partial<FindingFilters>): string {
  const qs = filtersToSearch({ ...emptyFilters, ...filters }).toString();
  return `/t/${tenant}/findings${qs ? `?${qs}` : ''}`;
}

/** Whether any filter narrows the list beyond the default (open findings). */
export function hasFilters(f: FindingFilters): boolean {
  return filtersToSearch({ ...f, sort: undefined, limit: undefined }).toString() !== '';
}
