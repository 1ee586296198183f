import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../api/types';
import { membership, session, ticket } from '../../test/fixtures';
import { fakeApi, JsonResponse } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.tickets;
const D = testIds.ticket;

function listApi(items: Ticket[]) {
  return fakeApi({
    'GET /api/v1/tenants/acme/tickets': ({ url }) => {
      const s = url.searchParams.get('status');
      return { items: s ? items.filter((t) => t.status === s) : items };
    },
  });
}

describe('TicketsPage', () => {
  const items = [
    ticket(1, { overdue: true, assignee: 'bob' }),
    ticket(2, { status: 'in_progress' }),
    ticket(3, { status: 'verified', due_at: null }),
  ];

  it('lists tickets with an overdue label only where the server says so', async () => {
    renderApp({ route: '/t/acme/tickets', fetch: listApi(items).fetch, session: session([membership('viewer')]) });
    await screen.findByTestId(T.row(1), {}, { timeout: 15_000 }); // first render loads the lazy route
    expect(document.title).toBe('Tickets · Acme Retail · Palisade');
    expect(screen.getByTestId(T.overdue(1)).textContent).toBe('overdue');
    expect(screen.queryByTestId(T.overdue(2))).toBeNull();
    expect(screen.getByTestId(T.status(2)).textContent).toBe('In progress');
    expect(screen.getByTestId(T.link(1)).getAttribute('href')).toBe('/t/acme/tickets/1');
    expect(screen.getByTestId(T.row(3)).textContent).toContain('none');
  });

  it('binds the status filter to the URL and the API query', async () => {
    const api = listApi(items);
    renderApp({ route: '/t/acme/tickets?status=in_progress', fetch: api.fetch, session: session([membership('viewer')]) });
    await screen.findByTestId(T.row(2));
    expect(screen.queryByTestId(T.row(1))).toBeNull();
    expect((screen.getByTestId(T.statusFilter) as HTMLSelectElement).value).toBe('in_progress');
    fireEvent.change(screen.getByTestId(T.statusFilter), { target: { value: '' } });
    await screen.findByTestId(T.row(1));
    const statuses = api.callsTo('GET', '/api/v1/tenants/acme/tickets').map((c) => c.url.searchParams.get('status'));
    expect(statuses).toEqual(['in_progress', null]);
  });

  it('groups the same tickets into status columns on the board', async () => {
    renderApp({ route: '/t/acme/tickets', fetch: listApi(items).fetch, session: session([membership('viewer')]) });
    await screen.findByTestId(T.row(1));
    fireEvent.click(within(screen.getByTestId(T.viewToggle('board'))).getByRole('button'));
    const board = await screen.findByTestId(T.board);
    expect(
      within(board)
        .getAllByRole('heading')
        .map((h) => h.textContent),
    ).toEqual(['Open (1)', 'In progress (1)', 'Resolved (0)', 'Verified (1)', 'Reopened (0)']);
    expect(within(screen.getByTestId(T.column('open'))).getByTestId(T.card(1))).toBeTruthy();
    expect(within(screen.getByTestId(T.column('verified'))).getByTestId(T.card(3))).toBeTruthy();
    expect(within(screen.getByTestId(T.column('open'))).getByTestId(T.overdue(1))).toBeTruthy();
  });
});

describe('TicketDetailPage', () => {
  function detailApi(initial: Ticket) {
    let current = initial;
    return fakeApi({
      'GET /api/v1/tenants/acme/tickets/7': () => current,
      'PATCH /api/v1/tenants/acme/tickets/7': ({ body }) => {
        current = { ...current, ...(body as Partial<Ticket>) };
        return current;
      },
      'POST /api/v1/tenants/acme/tickets/7/comments': ({ body }) => {
        current = {
          ...current,
          comments: [
            ...current.comments,
            { author: 'test@acme.example', body: (body as { body: string }).body, created_at: '2026-11-22T10:00:00Z' },
          ],
        };
        return new JsonResponse(201, current);
      },
    });
  }

  it('shows findings and comments but no actions to a viewer', async () => {
    const api = detailApi(ticket(7, { comments: [{ author: 'alice', body: '<i>hi</i>', created_at: '2026-11-21T10:00:00Z' }] }));
    renderApp({ route: '/t/acme/tickets/7', fetch: api.fetch, session: session([membership('viewer')]) });
    expect((await screen.findByTestId(D.title)).textContent).toBe('PAL-7: ticket 7');
    expect(screen.getByTestId(D.finding(2)).getAttribute('href')).toBe('/t/acme/findings/2');
    expect(screen.getByTestId(D.comment(0)).textContent).toContain('<i>hi</i>');
    expect(screen.queryByTestId(D.commentBody)).toBeNull();
    expect(screen.queryByTestId(D.statusSelect)).toBeNull();
  });

  it('lets a triager change status and assignee, and comment', async () => {
    const api = detailApi(ticket(7));
    renderApp({ route: '/t/acme/tickets/7', fetch: api.fetch, session: session([membership('operator')]) });
    const select = (await screen.findByTestId(D.statusSelect)) as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['open', 'in_progress', 'resolved']);
    expect(screen.getByTestId(D.page).textContent).toContain('Verified and Reopened are set by runs');
    fireEvent.change(select, { target: { value: 'in_progress' } });
    fireEvent.change(screen.getByTestId(D.assignee), { target: { value: 'bob' } });
    fireEvent.click(screen.getByTestId(D.save));
    await waitFor(() => expect(screen.getByTestId(D.status).textContent).toBe('In progress'));
    expect(api.callsTo('PATCH', '/api/v1/tenants/acme/tickets/7')[0]!.body).toEqual({ status: 'in_progress', assignee: 'bob' });

    fireEvent.change(screen.getByTestId(D.commentBody), { target: { value: 'on it' } });
    fireEvent.click(screen.getByTestId(D.commentSubmit));
    await screen.findByTestId(D.comment(0));
    expect(api.callsTo('POST', '/api/v1/tenants/acme/tickets/7/comments')[0]!.body).toEqual({ body: 'on it' });
    expect((screen.getByTestId(D.commentBody) as HTMLTextAreaElement).value).toBe('');
  });

  it('keeps a run-set status selectable as is, without offering to set it', async () => {
    const api = detailApi(ticket(7, { status: 'reopened' }));
    renderApp({ route: '/t/acme/tickets/7', fetch: api.fetch, session: session([membership('operator')]) });
    const select = (await screen.findByTestId(D.statusSelect)) as HTMLSelectElement;
    expect(select.value).toBe('reopened');
    expect((screen.getByTestId(D.save) as HTMLButtonElement).disabled).toBe(true);
  });
});
