// The vulnerability list keeps its filters and its page position in the URL, under the API's own
// parameter names (severity, fixable, package, vulnerability, image, namespace, workload,
// target, not_affected) plus the keyset cursors that led to the current page (repeated
// `cursor`, oldest first), as the image list does. Invalid values are dropped, never sent.
import { VULN_SEVERITIES, isOneOf } from '../../api/enums';
import type { paths } from '../../api/schema';
import type { VulnSeverity } from '../../api/types';
import type { CursorStack } from '../../lib/cursorStack';
import { DIGEST_RE } from '../images/imageFilters';

export const VULNS_PAGE_SIZE = 50;

export interface VulnFilters {
  /** At least this severity; "unknown" ranks lowest on the server. */
  severity?: VulnSeverity;
  /** true: only those with a fixed version; false: only those without. */
  fixable?: boolean;
  package?: string;
  /** An advisory id or an alias of it (a CVE id). */
  vulnerability?: string;
  /** An image digest. */
  image?: string;
  namespace?: string;
  /** A workload's asset key, e.g. apps/Deployment/shop/web. */
  workload?: string;
  target?: number;
  /** Also list what a VEX statement declares not affecting the image. */
  notAffected?: boolean;
}

export interface VulnListState {
  filters: VulnFilters;
  stack: CursorStack;
}

/** The spec's pattern for an advisory id or alias (path parameter of the detail). */
export const VULN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** The text filters and their longest accepted value (the spec's maxLength). */
const TEXT_LIMITS = { package: 500, namespace: 253, workload: 1024 } as const;

/** Why a typed vulnerability id or digest would be refused; undefined when fine or empty. */
export function vulnerabilityIdProblem(v: string): string | undefined {
  const s = v.trim();
  if (!s || VULN_ID_RE.test(s)) return undefined;
  return 'An advisory id or CVE id: letters, digits and . _ : - only, such as CVE-2024-3094 or GHSA-xxxx-xxxx-xxxx.';
}

export function digestProblem(v: string): string | undefined {
  const s = v.trim();
  if (!s || DIGEST_RE.test(s)) return undefined;
  return 'An image digest is sha256: followed by 64 lowercase hex digits.';
}

function positiveInt(v: string | null): number | undefined {
  if (!v || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

export function parseVulnList(search: URLSearchParams): VulnListState {
  const f: VulnFilters = {};
  const severity = search.get('severity');
  // "At least unknown" is every severity: the same as no filter.
  if (isOneOf(VULN_SEVERITIES, severity) && severity !== 'unknown') f.severity = severity;
  const fixable = search.get('fixable');
  if (fixable === 'true' || fixable === 'false') f.fixable = fixable === 'true';
  for (const k of ['package', 'namespace', 'workload'] as const) {
    const v = search.get(k)?.trim();
    if (v && v.length <= TEXT_LIMITS[k]) f[k] = v;
  }
  const vulnerability = search.get('vulnerability')?.trim();
  if (vulnerability && VULN_ID_RE.test(vulnerability)) f.vulnerability = vulnerability;
  const image = search.get('image')?.trim();
  if (image && DIGEST_RE.test(image)) f.image = image;
  const target = positiveInt(search.get('target'));
  if (target) f.target = target;
  if (search.get('not_affected') === 'true') f.notAffected = true;
  const cursors = search.getAll('cursor').filter(Boolean);
  const current = cursors[cursors.length - 1] ?? '';
  return { filters: f, stack: { previous: cursors.length ? ['', ...cursors.slice(0, -1)] : [], current } };
}

/** The query string, in a stable order, without empty values. */
export function vulnListToSearch({ filters: f, stack }: VulnListState): URLSearchParams {
  const s = new URLSearchParams();
  if (f.severity) s.set('severity', f.severity);
  if (f.fixable !== undefined) s.set('fixable', String(f.fixable));
  if (f.vulnerability) s.set('vulnerability', f.vulnerability);
  if (f.package) s.set('package', f.package);
  if (f.image) s.set('image', f.image);
  if (f.namespace) s.set('namespace', f.namespace);
  if (f.workload) s.set('workload', f.workload);
  if (f.target) s.set('target', String(f.target));
  if (f.notAffected) s.set('not_affected', 'true');
  for (const c of [...stack.previous, stack.current]) if (c) s.append('cursor', c);
  return s;
}

type ListQuery = NonNullable<paths['/api/v1/tenants/{tenant}/vulnerabilities']['get']['parameters']['query']>;

/** The API query for one page of the list. */
export function vulnFiltersToQuery(f: VulnFilters, cursor: string): ListQuery {
  const q: ListQuery = { limit: VULNS_PAGE_SIZE };
  if (f.severity) q.severity = f.severity;
  if (f.fixable !== undefined) q.fixable = f.fixable;
  if (f.vulnerability) q.vulnerability = f.vulnerability;
  if (f.package) q.package = f.package;
  if (f.image) q.image = f.image;
  if (f.namespace) q.namespace = f.namespace;
  if (f.workload) q.workload = f.workload;
  if (f.target) q.target = f.target;
  if (f.notAffected) q.not_affected = true;
  if (cursor) q.cursor = cursor;
  return q;
}

/** Whether any filter narrows the list (including not-affected rows widens it, so it does not count). */
export function hasVulnFilters(f: VulnFilters): boolean {
  return vulnListToSearch({ filters: { ...f, notAffected: undefined }, stack: { previous: [], current: '' } }).toString() !== '';
}

/** Link to the vulnerability list with these filters, e.g. from an image's counts. */
export function vulnerabilitiesHref(tenant: string, filters: VulnFilters = {}): string {
  const qs = vulnListToSearch({ filters, stack: { previous: [], current: '' } }).toString();
  return `/t/${tenant}/vulnerabilities${qs ? `?${qs}` : ''}`;
}

/** The "where does it run" page of one advisory id or alias. */
export function vulnerabilityHref(tenant: string, id: string): string {
  return `/t/${tenant}/vulnerabilities/${encodeURIComponent(id)}`;
}

/** The key of one row of the list: an image, an advisory and a package. */
export function vulnRowKey(v: { digest: string; advisory: string; package: string }): string {
  return `${v.digest}|${v.advisory}|${v.package}`;
}
