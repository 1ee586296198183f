import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { AdvisoryFeed, ImageVulnerability, Role } from '../../api/types';
import { AppRoutes } from '../../app/AppRoutes';
import { fakeApi } from '../../test/fakeApi';
import { advisoryFeed, digestOf, hoursAgo, imageVulnerability, membership, session, target, vexStatement } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';
import { vulnRowKey } from './vulnFilters';

const T = testIds.vulnerabilities;
const LIST = '/api/v1/tenants/acme/vulnerabilities';

/** Shows the router's current search string, so that a test can read what went into the URL. */
function LocationProbe() {
  const { search } = useLocation();
  return <output aria-label="Current location">{search}</output>;
}
const currentSearch = () => new URLSearchParams(screen.getByLabelText('Current location').textContent ?? '');

const critical = imageVulnerability(1, { severity: 'critical', cvss: 9.8, running_in: 1 });
const unknown = imageVulnerability(2, {
  severity: 'unknown',
  cvss: 0,
  cvss_vector: undefined,
  fixed: '',
  fix_available: false,
  package: 'libxml2',
  running_in: 0,
});
const third = imageVulnerability(3, { severity: 'low' });

/** Two pages, chained by cursor, with fresh feeds unless told otherwise. */
function listApi({ items, feeds }: { items?: ImageVulnerability[]; feeds?: AdvisoryFeed[] } = {}) {
  const advisory_data = feeds ?? [advisoryFeed('Debian'), advisoryFeed('Alpine')];
  return fakeApi({
    [`GET ${LIST}`]: ({ url }) => {
      if (items) return { items, next_cursor: '', advisory_data };
      return url.searchParams.get('cursor') === 'c2'
        ? { items: [third], next_cursor: '', advisory_data }
        : { items: [critical, unknown], next_cursor: 'c2', advisory_data };
    },
    'GET /api/v1/tenants/acme/targets': () => ({ items: [target(1, { name: 'prod' })] }),
    'GET /api/v1/tenants/acme/vex': () => ({ items: [vexStatement(5, { digest: digestOf(1), component: 'openssl' })] }),
    'DELETE /api/v1/tenants/acme/vex/5': () => undefined,
  });
}

function renderAs(role: Role, api: ReturnType<typeof listApi>, route = '/t/acme/vulnerabilities') {
  renderApp({
    route,
    fetch: api.fetch,
    session: session([membership(role)]),
    ui: (
      <>
        <AppRoutes />
        <LocationProbe />
      </>
    ),
  });
}

describe('VulnerabilitiesPage', () => {
  it('lists vulnerabilities with their package, fix, image and containers, and the advisory data’s date', async () => {
    renderAs('viewer', listApi());
    const row = await screen.findByTestId(T.row(vulnRowKey(critical)), {}, { timeout: 15_000 });
    expect(screen.getByTestId(T.severityLabel(vulnRowKey(critical))).textContent).toBe('critical');
    const link = screen.getByTestId(T.advisoryLink(vulnRowKey(critical)));
    expect(link.textContent).toBe('DEBIAN-CVE-2026-0001');
    expect(link.getAttribute('href')).toBe('/t/acme/vulnerabilities/DEBIAN-CVE-2026-0001');
    expect(row.textContent).toContain('CVE-2026-0001');
    expect(row.textContent).toContain('openssl');
    expect(row.textContent).toContain('3.0.11-1 → 3.0.13-1');
    expect(row.textContent).toContain('9.8');
    expect(row.textContent).toContain('runs in 1 container');
    expect(screen.getByTestId(T.imageLink(vulnRowKey(critical))).getAttribute('href')).toBe(`/t/acme/images/${digestOf(1)}`);
    expect(screen.getByTestId(T.imageLink(vulnRowKey(critical))).textContent).toBe('shop/app-1@sha256:111111111111');

    // Unknown severity is its own outlined label, not coloured like low; no fix and no CVSS say so.
    const unknownRow = screen.getByTestId(T.row(vulnRowKey(unknown)));
    const unknownLabel = screen.getByTestId(T.severityLabel(vulnRowKey(unknown)));
    expect(unknownLabel.textContent).toBe('unknown');
    expect(unknownLabel.className).toContain('pf-m-outline');
    expect(unknownLabel.className).not.toContain('pf-m-yellow');
    expect(unknownRow.textContent).toContain('3.0.11-1 → no fix');
    expect(unknownRow.textContent).toContain('not running');

    const strip = screen.getByTestId(testIds.advisoryData.strip);
    expect(strip.textContent).toContain('Advisory data');
    expect(screen.getByTestId(testIds.advisoryData.feed('Debian')).textContent).toContain('loaded 2 h ago');
    expect(screen.getByTestId(testIds.advisoryData.feedStatus('Alpine')).textContent).toBe('current');
    expect(screen.queryByTestId(testIds.advisoryData.warning)).toBeNull();
    expect(document.title).toBe('Vulnerabilities · Acme Retail · Palisade');
  });

  it('warns about stale, failed and never-loaded feeds and does not call an empty list clean', async () => {
    const feeds = [
      advisoryFeed('Debian', { refreshed_at: hoursAgo(100) }),
      advisoryFeed('Alpine', { error: 'HTTP 503 from the mirror' }),
      advisoryFeed('Go', { refreshed_at: null, feed_date: null }),
    ];
    renderAs('viewer', listApi({ items: [], feeds }));
    const warning = await screen.findByTestId(testIds.advisoryData.warning, {}, { timeout: 15_000 });
    expect(warning.textContent).toContain('Advisory data is missing or stale');
    expect(warning.textContent).toContain('Debian: last loaded 4 d ago');
    expect(warning.textContent).toContain('more than 72 hours ago');
    expect(warning.textContent).toContain('Alpine: the last load failed: HTTP 503 from the mirror');
    expect(warning.textContent).toContain('Go: the feed was never loaded');
    expect(screen.getByTestId(testIds.advisoryData.feedStatus('Debian')).textContent).toBe('stale');
    expect(screen.getByTestId(testIds.advisoryData.feedStatus('Go')).textContent).toBe('never loaded');
    const empty = screen.getByTestId(testIds.app.empty);
    expect(empty.textContent).toContain('No known vulnerabilities, but advisory data is missing or stale');
  });

  it('says the data is missing when the server has no feed at all', async () => {
    renderAs('viewer', listApi({ items: [], feeds: [] }));
    const empty = await screen.findByTestId(testIds.app.empty, {}, { timeout: 15_000 });
    expect(empty.textContent).toContain('No known vulnerabilities, but advisory data is missing');
    expect(screen.getByTestId(testIds.advisoryData.warning).textContent).toContain('No advisory feed is known to this server');
  });

  it('sends the filters of the URL to the API', async () => {
    const api = listApi();
    const image = digestOf(1);
    renderAs(
      'viewer',
      api,
      `/t/acme/vulnerabilities?severity=high&fixable=true&vulnerability=CVE-2026-0001&package=openssl&image=${image}&namespace=shop&workload=apps/Deployment/shop/web&target=1&not_affected=true`,
    );
    await screen.findByTestId(T.row(vulnRowKey(critical)), {}, { timeout: 15_000 });
    expect(Object.fromEntries(api.callsTo('GET', LIST)[0]!.url.searchParams)).toEqual({
      limit: '50',
      severity: 'high',
      fixable: 'true',
      vulnerability: 'CVE-2026-0001',
      package: 'openssl',
      image,
      namespace: 'shop',
      workload: 'apps/Deployment/shop/web',
      target: '1',
      not_affected: 'true',
    });
    expect(screen.getByTestId(T.activeFilter('image')).textContent).toBe('image: sha256:111111111111');
    expect(screen.getByTestId(T.unknownHidden).textContent).toContain('unknown severity are hidden');
  });

  it('puts chosen filters into the URL and the API query, and explains a malformed digest instead of sending it', async () => {
    const api = listApi();
    renderAs('viewer', api, '/t/acme/vulnerabilities?cursor=c2');
    await screen.findByTestId(T.row(vulnRowKey(third)), {}, { timeout: 15_000 });

    fireEvent.change(screen.getByTestId(T.severity), { target: { value: 'high' } });
    await waitFor(() => expect(currentSearch().get('severity')).toBe('high'));
    expect(currentSearch().get('cursor')).toBeNull(); // a new filter starts again at page 1
    fireEvent.change(screen.getByTestId(T.fixable), { target: { value: 'false' } });
    await waitFor(() => expect(currentSearch().get('fixable')).toBe('false'));
    fireEvent.click(screen.getByTestId(T.includeNotAffected));
    await waitFor(() => expect(currentSearch().get('not_affected')).toBe('true'));

    fireEvent.change(screen.getByTestId(T.image), { target: { value: 'sha256:1234' } });
    fireEvent.change(screen.getByTestId(T.package), { target: { value: ' openssl ' } });
    fireEvent.click(screen.getByTestId(T.applyFilters));
    expect((await screen.findByTestId(T.filterError('image'))).textContent).toContain('64 lowercase hex digits');
    expect(currentSearch().get('package')).toBeNull();

    fireEvent.change(screen.getByTestId(T.image), { target: { value: digestOf(1) } });
    fireEvent.change(screen.getByTestId(T.vulnerability), { target: { value: 'CVE-2026-0001' } });
    fireEvent.click(screen.getByTestId(T.applyFilters));
    await waitFor(() => expect(currentSearch().get('image')).toBe(digestOf(1)));
    expect(screen.queryByTestId(T.filterError('image'))).toBeNull();
    await waitFor(() =>
      expect(Object.fromEntries(api.callsTo('GET', LIST).at(-1)!.url.searchParams)).toEqual({
        limit: '50',
        severity: 'high',
        fixable: 'false',
        not_affected: 'true',
        vulnerability: 'CVE-2026-0001',
        package: 'openssl',
        image: digestOf(1),
      }),
    );
    expect(api.callsTo('GET', LIST).some((c) => c.url.searchParams.get('image') === 'sha256:1234')).toBe(false);

    fireEvent.click(screen.getByTestId(T.clearFilters));
    await waitFor(() => expect(currentSearch().toString()).toBe(''));
  });

  it('pages forward with next_cursor and back, keeping the position in the URL', async () => {
    const api = listApi();
    renderAs('viewer', api);
    await screen.findByTestId(T.row(vulnRowKey(critical)), {}, { timeout: 15_000 });
    expect(screen.getByTestId(T.pageNumber).textContent).toContain('Page 1');
    fireEvent.click(screen.getByTestId(T.nextPage));
    await screen.findByTestId(T.row(vulnRowKey(third)));
    expect(screen.getByTestId(T.pageNumber).textContent).toContain('Page 2');
    expect(currentSearch().getAll('cursor')).toEqual(['c2']);
    expect((screen.getByTestId(T.nextPage) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId(T.prevPage));
    await screen.findByTestId(T.row(vulnRowKey(critical)));
    const cursors = api.callsTo('GET', LIST).map((c) => c.url.searchParams.get('cursor'));
    expect(cursors.slice(0, 2)).toEqual([null, 'c2']);
  });

  it('marks what a VEX statement declares not affected when those rows are included', async () => {
    const vexed = imageVulnerability(4, { not_affected: true });
    renderAs('viewer', listApi({ items: [vexed] }), '/t/acme/vulnerabilities?not_affected=true');
    const badge = await screen.findByTestId(T.notAffected(vulnRowKey(vexed)), {}, { timeout: 15_000 });
    expect(badge.textContent).toBe('not affected (VEX)');
  });

  it('revokes a VEX statement only after a confirmation', async () => {
    const api = listApi();
    renderAs('security-manager', api);
    const row = await screen.findByTestId(testIds.vex.row(5), {}, { timeout: 15_000 });
    expect(row.textContent).toContain('The vulnerable code is never run');
    expect(row.textContent).toContain('package openssl');
    fireEvent.click(within(row).getByTestId(testIds.vex.revoke(5)));
    const modal = await screen.findByTestId(testIds.confirm.modal);
    expect(modal.textContent).toContain('Revoke VEX statement #5?');
    expect(api.callsTo('DELETE', '/api/v1/tenants/acme/vex/5')).toHaveLength(0);
    fireEvent.click(screen.getByTestId(testIds.confirm.confirm));
    await waitFor(() => expect(api.callsTo('DELETE', '/api/v1/tenants/acme/vex/5')).toHaveLength(1));
    expect(api.callsTo('DELETE', '/api/v1/tenants/acme/vex/5')[0]!.headers.get('X-CSRF-Token')).toBe('csrf-123');
    await waitFor(() => expect(screen.queryByTestId(testIds.confirm.modal)).toBeNull());
  });

  it('offers no revocation to a role without exception.decide', async () => {
    renderAs('operator', listApi());
    await screen.findByTestId(testIds.vex.row(5), {}, { timeout: 15_000 });
    expect(screen.queryByTestId(testIds.vex.revoke(5))).toBeNull();
    expect(screen.queryByRole('button', { name: 'Revoke' })).toBeNull();
  });
});
