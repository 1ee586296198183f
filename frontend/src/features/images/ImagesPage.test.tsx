import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { digestOf, imageSummary, membership, session } from '../../test/fixtures';
import { fakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.images;

/** Two pages, chained by cursor; the fake filters by registry and repository as the server does. */
function pagedApi() {
  const all = [
    imageSummary(1, { signed: true, signed_by: 'release-key', trust_rule: 'shop', provenance: true }),
    imageSummary(2, {
      signed: false,
      trust_rule: 'shop',
      trust_reasons: ['no signature verifies against the rule’s keys', 'second'],
      user: '',
    }),
    imageSummary(3, { registry: 'docker.io', repository: 'library/nginx' }),
  ];
  return fakeApi({
    'GET /api/v1/tenants/acme/images': ({ url }) => {
      const q = url.searchParams;
      const items = all.filter(
        (i) => (!q.get('registry') || i.registry === q.get('registry')) && (!q.get('repository') || i.repository === q.get('repository')),
      );
      if (q.get('registry') || q.get('repository')) return { items, next_cursor: '' };
      return q.get('cursor') === 'c2' ? { items: items.slice(2), next_cursor: '' } : { items: items.slice(0, 2), next_cursor: 'c2' };
    },
  });
}

describe('ImagesPage', () => {
  it('lists images with their digest, user and signature verdict', async () => {
    const api = pagedApi();
    renderApp({ route: '/t/acme/images', fetch: api.fetch, session: session([membership('viewer')]) });
    const row = await screen.findByTestId(T.row(digestOf(1)), {}, { timeout: 15_000 });
    expect(row.textContent).toContain('shop/app-1');
    expect(row.textContent).toContain('sha256:111111111111');
    expect(row.textContent).not.toContain(digestOf(1));
    expect(row.textContent).toContain('50 MB');
    expect(row.textContent).toContain('2 containers');
    expect(screen.getByTestId(T.signature(digestOf(1))).textContent).toBe('Trusted: signed by release-key');
    expect(screen.getByTestId(T.signature(digestOf(2))).textContent).toContain('Untrusted: no signature verifies against the rule’s keys');
    expect(screen.getByTestId(T.user(digestOf(2))).textContent).toContain('root');
    expect(screen.getByTestId(T.user(digestOf(1))).textContent).toBe('1000');
    expect(screen.getByTestId(T.link(digestOf(1))).getAttribute('href')).toBe(`/t/acme/images/${digestOf(1)}`);
    expect(document.title).toBe('Images · Acme Retail · Palisade');
  });

  it('pages forward with next_cursor and back', async () => {
    const api = pagedApi();
    renderApp({ route: '/t/acme/images', fetch: api.fetch, session: session([membership('viewer')]) });
    await screen.findByTestId(T.row(digestOf(1)), {}, { timeout: 15_000 });
    fireEvent.click(screen.getByTestId(T.nextPage));
    const third = await screen.findByTestId(T.row(digestOf(3)));
    expect(screen.getByTestId(T.signature(digestOf(3))).textContent).toBe('Not judged');
    expect(third.textContent).toContain('library/nginx');
    expect(screen.getByTestId(T.pageNumber).textContent).toContain('Page 2');
    expect((screen.getByTestId(T.nextPage) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId(T.prevPage));
    await screen.findByTestId(T.row(digestOf(1)));
    const cursors = api.callsTo('GET', '/api/v1/tenants/acme/images').map((c) => c.url.searchParams.get('cursor'));
    expect(cursors.slice(0, 2)).toEqual([null, 'c2']);
  });

  it('starts on the page the URL names', async () => {
    const api = pagedApi();
    renderApp({ route: '/t/acme/images?cursor=c2', fetch: api.fetch, session: session([membership('viewer')]) });
    await screen.findByTestId(T.row(digestOf(3)), {}, { timeout: 15_000 });
    expect(screen.getByTestId(T.pageNumber).textContent).toContain('Page 2');
    expect(api.callsTo('GET', '/api/v1/tenants/acme/images')[0]!.url.searchParams.get('cursor')).toBe('c2');
  });

  it('sends the registry and repository filters and starts again at page 1', async () => {
    const api = pagedApi();
    renderApp({ route: '/t/acme/images?cursor=c2', fetch: api.fetch, session: session([membership('viewer')]) });
    await screen.findByTestId(T.row(digestOf(3)), {}, { timeout: 15_000 });
    fireEvent.change(screen.getByTestId(T.registry), { target: { value: ' registry.acme.example ' } });
    fireEvent.change(screen.getByTestId(T.repository), { target: { value: 'shop/app-2' } });
    fireEvent.click(screen.getByTestId(T.applyFilters));
    await screen.findByTestId(T.row(digestOf(2)));
    await waitFor(() => expect(screen.queryByTestId(T.row(digestOf(3)))).toBeNull());
    const last = api.callsTo('GET', '/api/v1/tenants/acme/images').at(-1)!.url.searchParams;
    expect(Object.fromEntries(last)).toEqual({ registry: 'registry.acme.example', repository: 'shop/app-2', limit: '50' });
    expect(screen.getByTestId(T.pageNumber).textContent).toContain('Page 1');
  });

  it('explains how images get here when there are none', async () => {
    const api = fakeApi({ 'GET /api/v1/tenants/acme/images': () => ({ items: [], next_cursor: '' }) });
    renderApp({ route: '/t/acme/images', fetch: api.fetch, session: session([membership('operator')]) });
    const empty = await screen.findByTestId(testIds.app.empty, {}, { timeout: 15_000 });
    expect(empty.textContent).toContain('registry target');
    expect(screen.getByRole('link', { name: 'Add a target' }).getAttribute('href')).toBe('/t/acme/targets');
  });
});
