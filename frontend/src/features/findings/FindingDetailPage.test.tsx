import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Asset, AssetKind, ImageSummary } from '../../api/types';
import { fakeApi } from '../../test/fakeApi';
import { digestOf, finding, imageSummary, membership, session, target } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.finding;
const KEY = 'apps/Deployment/shop/web';

function asset(kind: AssetKind): Asset {
  return {
    id: 42,
    target_id: 3,
    kind,
    key: KEY,
    parent_key: 'shop',
    name: 'web',
    namespace: 'shop',
    labels: {},
    first_seen: '2026-11-20T10:00:00Z',
    last_seen: '2026-11-22T10:00:00Z',
    open_findings: 1,
  };
}

function renderFinding(kind: AssetKind, images: ImageSummary[]) {
  const api = fakeApi({
    'GET /api/v1/tenants/acme/findings/7': () => ({
      ...finding(7, { target_id: 3, asset_id: 42, asset_key: KEY }),
      evidence: {},
      remediation: '',
      references: [],
    }),
    'GET /api/v1/tenants/acme/findings/7/history': () => ({ items: [] }),
    'GET /api/v1/tenants/acme/targets': () => ({ items: [target(3)] }),
    'GET /api/v1/tenants/acme/csa': () => ({ items: [] }),
    'GET /api/v1/tenants/acme/assets/42': () => asset(kind),
    'GET /api/v1/tenants/acme/images': () => ({ items: images, next_cursor: '' }),
  });
  renderApp({ route: '/t/acme/findings/7', fetch: api.fetch, session: session([membership('viewer')]) });
  return api;
}

describe('FindingDetailPage', () => {
  it("lists the images a workload's finding runs, with verdict, user and a link to each", async () => {
    const signed = imageSummary(1, { repository: 'shop/web', signed: true, signed_by: 'release-key', trust_rule: 'shop' });
    const root = imageSummary(2, { repository: 'shop/sidecar', user: '', signed: false, trust_reasons: ['no signature found'] });
    const api = renderFinding('workload', [signed, root]);

    const panel = await screen.findByTestId(T.images);
    const first = await within(panel).findByTestId(T.image(digestOf(1)));
    expect(first.textContent).toContain('shop/web@sha256:111111111111');
    expect(first.textContent).toContain('Trusted: signed by release-key');
    expect(first.textContent).toContain('1000');
    expect(within(first).getByRole('link').getAttribute('href')).toBe(`/t/acme/images/${digestOf(1)}`);
    const second = within(panel).getByTestId(T.image(digestOf(2)));
    expect(second.textContent).toContain('Untrusted: no signature found');
    expect(second.textContent).toContain('root');

    const q = api.callsTo('GET', '/api/v1/tenants/acme/images')[0]!.url.searchParams;
    expect(q.get('workload')).toBe(KEY);
    expect(q.get('target')).toBe('3');
  });

  it('says where image facts come from when the workload has none', async () => {
    renderFinding('workload', []);
    const panel = await screen.findByTestId(T.images);
    expect(await within(panel).findByText(/No image facts for this workload/)).toBeTruthy();
    expect(panel.textContent).toContain('Palisade knows images through registry targets (see Targets)');
    expect(within(panel).getByRole('link', { name: 'Targets' }).getAttribute('href')).toBe('/t/acme/targets');
  });

  it('shows no image panel for an asset that is not a workload', async () => {
    const api = renderFinding('namespace', []);
    await screen.findByTestId(T.title);
    await screen.findByText('finding 7');
    // The asset answered; the panel stays hidden and the images were never asked for.
    await waitFor(() => expect(api.callsTo('GET', '/api/v1/tenants/acme/assets/42')).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId(T.images)).toBeNull();
    expect(api.callsTo('GET', '/api/v1/tenants/acme/images')).toHaveLength(0);
  });
});
