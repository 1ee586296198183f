import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../api/types';
import { finding, membership, session, target } from '../../test/fixtures';
import { fakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.findings;

/** Three pages of two findings, chained by cursor. */
function pagedApi() {
  const pages: Record<string, { ids: number[]; next: string }> = {
    '': { ids: [1, 2], next: 'c2' },
    c2: { ids: [3, 4], next: 'c3' },
    c3: { ids: [5], next: '' },
  };
  return fakeApi({
    'GET /api/v1/tenants/acme/findings': ({ url }) => {
      const page = pages[url.searchParams.get('cursor') ?? ''] ?? { ids: [], next: '' };
      return { items: page.ids.map((id) => finding(id)), next_cursor: page.next };
    },
    'GET /api/v1/tenants/acme/targets': () => ({ items: [target(1)] }),
    'POST /api/v1/tenants/acme/findings/triage': ({ body }) => ({ items: (body as { ids: number[] }).ids.map((id) => finding(id)) }),
  });
}

function renderAs(role: Role, route = '/t/acme/findings') {
  const api = pagedApi();
  renderApp({ route, fetch: api.fetch, session: session([membership(role)]) });
  return api;
}

describe('FindingsPage', () => {
  it('sends the filters from the URL to the API', async () => {
    const api = renderAs('viewer', '/t/acme/findings?severity=high&namespace=shop&status=open,suppressed&sort=-first_seen&q=docker.sock');
    await screen.findByTestId(T.row(1));
    const q = api.callsTo('GET', '/api/v1/tenants/acme/findings')[0]!.url.searchParams;
    expect(Object.fromEntries(q)).toEqual({
      severity: 'high',
      namespace: 'shop',
      status: 'open,suppressed',
      sort: '-first_seen',
      q: 'docker.sock',
      limit: '50',
    });
    expect(screen.getByTestId(T.activeFilter('namespace')).textContent).toContain('namespace: shop');
  });

  it('pages forward with next_cursor and back through the cursor stack', async () => {
    const api = renderAs('viewer');
    await screen.findByTestId(T.row(1));
    expect(screen.getByTestId(T.pageNumber).textContent).toContain('Page 1');

    fireEvent.click(screen.getByTestId(T.nextPage));
    await screen.findByTestId(T.row(3));
    fireEvent.click(screen.getByTestId(T.nextPage));
    await screen.findByTestId(T.row(5));
    expect(screen.getByTestId(T.pageNumber).textContent).toContain('Page 3');
    expect((screen.getByTestId(T.nextPage) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByTestId(T.prevPage));
    await screen.findByTestId(T.row(3));
    fireEvent.click(screen.getByTestId(T.prevPage));
    await screen.findByTestId(T.row(1));
    expect((screen.getByTestId(T.prevPage) as HTMLButtonElement).disabled).toBe(true);

    const cursors = api.callsTo('GET', '/api/v1/tenants/acme/findings').map((c) => c.url.searchParams.get('cursor'));
    expect(cursors.slice(0, 3)).toEqual([null, 'c2', 'c3']);
  });

  it('offers no selection, triage or exception request to an auditor', async () => {
    renderAs('auditor');
    await screen.findByTestId(T.row(1));
    expect(screen.queryByTestId(T.bulkTriage)).toBeNull();
    expect(screen.queryByTestId(T.requestException)).toBeNull();
    expect(screen.queryByTestId(T.rowCheckbox(1))).toBeNull();
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
  });

  it('lets an operator select findings and triage them in bulk', async () => {
    const api = renderAs('operator');
    const row = await screen.findByTestId(T.row(1));
    expect((screen.getByTestId(T.bulkTriage) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(within(row).getByRole('checkbox'));
    fireEvent.click(within(screen.getByTestId(T.row(2))).getByRole('checkbox'));
    expect(screen.getByTestId(T.selectionCount).textContent).toContain('2 selected');

    fireEvent.click(screen.getByTestId(T.bulkTriage));
    const modal = await screen.findByTestId(testIds.triage.modal);
    fireEvent.change(within(modal).getByTestId(testIds.triage.state), { target: { value: 'acknowledged' } });
    fireEvent.change(within(modal).getByTestId(testIds.triage.note), { target: { value: 'looking into it' } });
    fireEvent.click(within(modal).getByTestId(testIds.triage.submit));

    await waitFor(() => expect(api.callsTo('POST', '/api/v1/tenants/acme/findings/triage')).toHaveLength(1));
    const post = api.callsTo('POST', '/api/v1/tenants/acme/findings/triage')[0]!;
    expect(post.body).toEqual({ ids: [1, 2], triage: 'acknowledged', note: 'looking into it' });
    expect(post.headers.get('X-CSRF-Token')).toBe('csrf-123');
    await waitFor(() => expect(screen.queryByTestId(testIds.triage.modal)).toBeNull());
  });

  it('shows exception requests but not triage to a role that may only request', async () => {
    const api = pagedApi();
    renderApp({
      route: '/t/acme/findings',
      fetch: api.fetch,
      session: session([{ ...membership('viewer'), permissions: ['read', 'exception.request'] }]),
    });
    await screen.findByTestId(T.row(1));
    expect(screen.queryByTestId(T.bulkTriage)).toBeNull();
    expect(screen.getByTestId(T.requestException)).toBeTruthy();
  });
});
