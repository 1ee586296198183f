import { describe, expect, it } from 'vitest';
import { emptyFilters, filtersToQuery, filtersToSearch, findingsHref, hasFilters, parseFilters, type FindingFilters } from './filters';

const full: FindingFilters = {
  status: ['open', 'suppressed'],
  severity: 'high',
  check: ['k8s.privileged', 'k8s.image-digest'],
  csa: '3.1.2',
  target: 7,
  namespace: 'shop',
  owner: 'team-shop',
  label: 'app=cart',
  triage: ['new', 'in_progress'],
  assignee: 'alice',
  q: 'docker.sock',
  sort: '-first_seen',
  limit: 100,
};

describe('findings filters in the URL', () => {
  it('round-trips every filter', () => {
    const qs = filtersToSearch(full).toString();
    expect(parseFilters(new URLSearchParams(qs))).toEqual(full);
  });

  it('round-trips the empty filter set to an empty query string', () => {
    expect(filtersToSearch(emptyFilters).toString()).toBe('');
    expect(parseFilters(new URLSearchParams(''))).toEqual(emptyFilters);
  });

  it('round-trips each filter alone', () => {
    for (const [key, value] of Object.entries(full)) {
      const f = { ...emptyFilters, [key]: value } as FindingFilters;
      expect(parseFilters(filtersToSearch(f))).toEqual(f);
    }
  });

  it('writes lists comma-separated, as the API reads them', () => {
    expect(filtersToSearch(full).get('status')).toBe('open,suppressed');
    expect(filtersToSearch(full).get('triage')).toBe('new,in_progress');
  });

  it('accepts repeated parameters and drops invalid values', () => {
    const f = parseFilters(
      new URLSearchParams('status=open&status=bogus,resolved&severity=extreme&sort=sideways&target=-3&limit=7&triage=new,,new&q=%20%20'),
    );
    expect(f).toEqual({ ...emptyFilters, status: ['open', 'resolved'], triage: ['new'] });
  });

  it('keeps hostile text as text', () => {
    const f = parseFilters(new URLSearchParams({ q: "<script>alert(1)</script>' OR 1=1 --", label: 'a=b&c' }));
    expect(f.q).toBe("<script>alert(1)</script>' OR 1=1 --");
    expect(parseFilters(filtersToSearch(f))).toEqual(f);
  });

  it('builds the API query with the cursor and a default page size', () => {
    expect(filtersToQuery(emptyFilters, '')).toEqual({ limit: 50 });
    expect(filtersToQuery({ ...emptyFilters, namespace: 'shop' }, 'abc')).toEqual({ limit: 50, namespace: 'shop', cursor: 'abc' });
    expect(filtersToQuery(full, '')).toMatchObject({ status: ['open', 'suppressed'], target: 7, limit: 100, csa: '3.1.2' });
  });

  it('links from other views', () => {
    expect(findingsHref('acme', { csa: '3.1.2' })).toBe('/t/acme/findings?csa=3.1.2');
    expect(findingsHref('acme', { check: ['k8s.x'], target: 2 })).toBe('/t/acme/findings?check=k8s.x&target=2');
    expect(findingsHref('acme', {})).toBe('/t/acme/findings');
  });

  it('knows when the list is narrowed', () => {
    expect(hasFilters({ ...emptyFilters, sort: 'severity', limit: 25 })).toBe(false);
    expect(hasFilters({ ...emptyFilters, namespace: 'x' })).toBe(true);
  });
});
