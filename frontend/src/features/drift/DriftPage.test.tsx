import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DriftEvent } from '../../api/types';
import { membership, session } from '../../test/fixtures';
import { fakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';
import { visibleDrift } from './DriftPage';

const T = testIds.drift;

function event(id: number, over: Partial<DriftEvent> = {}): DriftEvent {
  return {
    id,
    target_id: 1,
    run_id: 100 + id,
    kind: 'new_finding',
    severity: 'high',
    asset_key: `apps/Deployment/shop/app-${id}`,
    check_id: 'k8s.privileged',
    summary: `<b>event ${id}</b>`,
    details: {},
    changes: [],
    created_at: '2026-11-22T10:00:00Z',
    ...over,
  };
}

describe('visibleDrift', () => {
  it('orders newest first across pages', () => {
    const pages = [{ items: [event(5), event(4, { kind: 'resolved' })] }, { items: [event(2), event(3, { kind: 'resolved' })] }];
    expect(visibleDrift(pages).map((e) => e.id)).toEqual([5, 4, 3, 2]);
  });
});

/** The fake server filters by kind as the real one does. */
function byKind(items: DriftEvent[], url: URL) {
  const kinds = url.searchParams.get('kind')?.split(',');
  return kinds ? items.filter((e) => kinds.includes(e.kind)) : items;
}

describe('DriftPage', () => {
  it('pages with before/next_before, links checks and renders summaries as text', async () => {
    const api = fakeApi({
      'GET /api/v1/tenants/acme/drift': ({ url }) =>
        url.searchParams.get('before') === '3'
          ? { items: byKind([event(2, { kind: 'score_drop', check_id: '' })], url), next_before: null }
          : { items: byKind([event(4), event(3, { kind: 'regression' })], url), next_before: url.searchParams.get('kind') ? null : 3 },
    });
    renderApp({ route: '/t/acme/drift', fetch: api.fetch, session: session([membership('viewer')]) });
    await screen.findByTestId(T.event(4), {}, { timeout: 15_000 }); // first render loads the lazy route
    expect(document.title).toBe('Drift · Acme Retail · Palisade');
    expect(screen.getByTestId(T.kind(3)).textContent).toBe('regression');
    expect(screen.getByTestId(T.event(4)).textContent).toContain('<b>event 4</b>');
    expect(screen.getByTestId(T.checkLink(4)).getAttribute('href')).toBe('/t/acme/findings?check=k8s.privileged');

    fireEvent.click(screen.getByTestId(T.loadMore));
    await screen.findByTestId(T.event(2));
    expect(screen.queryByTestId(T.checkLink(2))).toBeNull();
    expect(screen.queryByTestId(T.loadMore)).toBeNull();
    const befores = api.callsTo('GET', '/api/v1/tenants/acme/drift').map((c) => c.url.searchParams.get('before'));
    expect(befores).toEqual([null, '3']);

    // The kind filter asks the server (a feed is longer than what is loaded).
    fireEvent.change(screen.getByTestId(T.kindFilter), { target: { value: 'regression' } });
    await waitFor(() => expect(screen.queryByTestId(T.event(4))).toBeNull());
    expect(screen.getByTestId(T.event(3))).toBeTruthy();
    expect(api.callsTo('GET', '/api/v1/tenants/acme/drift').at(-1)?.url.searchParams.get('kind')).toBe('regression');
    fireEvent.change(screen.getByTestId(T.kindFilter), { target: { value: 'score_drop' } });
    expect((await screen.findByTestId(testIds.app.empty)).textContent).toContain('No score drop events');
    expect(screen.getByTestId(testIds.app.navItem('drift'))).toBeTruthy();
  });

  it('shows the fields a config_drift event changed, before and after, as text', async () => {
    const api = fakeApi({
      'GET /api/v1/tenants/acme/drift': ({ url }) => ({
        items: byKind(
          [
            event(7, {
              kind: 'config_drift',
              check_id: '',
              summary: 'apps/Deployment/shop/web: image nginx:1.27 now runs sha256:bbb behind the same tag',
              details: { watch: 'image_digest', image: 'nginx:1.27', added: 'sha256:bbb' },
              changes: [{ field: 'containers[web].imageID', before: 'sha256:aaa', after: 'sha256:aaa,sha256:bbb' }],
            }),
            event(6, {
              kind: 'config_drift',
              severity: 'medium',
              check_id: '',
              summary: 'core/Namespace/shop: watched label removed',
              details: { watch: 'labels' },
              changes: [{ field: 'metadata.labels[palisade.dev/classification]', before: '<img src=x>', after: '' }],
            }),
            event(5),
          ],
          url,
        ),
        next_before: null,
      }),
    });
    renderApp({ route: '/t/acme/drift', fetch: api.fetch, session: session([membership('viewer')]) });
    await screen.findByTestId(T.event(7), {}, { timeout: 15_000 });
    expect(screen.getByTestId(T.kind(7)).textContent).toBe('config drift');
    const digest = screen.getByTestId(T.change('7-0'));
    expect(digest.textContent).toBe('containers[web].imageID: sha256:aaa →  changed to sha256:aaa,sha256:bbb');
    const label = screen.getByTestId(T.change('6-0'));
    expect(label.textContent).toContain('metadata.labels[palisade.dev/classification]: <img src=x>');
    expect(label.textContent).toContain('unset');
    expect(label.querySelector('img')).toBeNull();
    // Events without changed fields show none.
    expect(screen.queryByTestId(T.changes(5))).toBeNull();

    fireEvent.change(screen.getByTestId(T.kindFilter), { target: { value: 'config_drift' } });
    await waitFor(() => expect(screen.queryByTestId(T.event(5))).toBeNull());
    expect(screen.getByTestId(T.event(6))).toBeTruthy();
  });

  it('says so when there is no drift', async () => {
    const api = fakeApi({ 'GET /api/v1/tenants/acme/drift': () => ({ items: [], next_before: null }) });
    renderApp({ route: '/t/acme/drift', fetch: api.fetch, session: session([membership('viewer')]) });
    expect((await screen.findByTestId(testIds.app.empty)).textContent).toContain('No drift yet');
  });
});
