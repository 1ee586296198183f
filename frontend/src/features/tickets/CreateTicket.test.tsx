import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../api/types';
import { finding, membership, session, target, ticket } from '../../test/fixtures';
import { fakeApi, JsonResponse } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const F = testIds.findings;
const C = testIds.createTicket;

function api(create: () => unknown) {
  return fakeApi({
    'GET /api/v1/tenants/acme/findings': () => ({ items: [finding(1), finding(2)], next_cursor: '' }),
    'GET /api/v1/tenants/acme/targets': () => ({ items: [target(1)] }),
    'POST /api/v1/tenants/acme/tickets': create,
    'GET /api/v1/tenants/acme/tickets/9': () => ticket(9, { title: 'Fix privileged', finding_ids: [1, 2] }),
  });
}

function renderAs(role: Role, create: () => unknown = () => new JsonResponse(201, ticket(9))) {
  const a = api(create);
  renderApp({ route: '/t/acme/findings', fetch: a.fetch, session: session([membership(role)]) });
  return a;
}

async function openModal() {
  fireEvent.click(within(await screen.findByTestId(F.row(1))).getByRole('checkbox'));
  fireEvent.click(within(screen.getByTestId(F.row(2))).getByRole('checkbox'));
  fireEvent.click(screen.getByTestId(F.createTicket));
  return screen.findByTestId(C.modal);
}

describe('Create ticket from findings', () => {
  it.each<Role>(['viewer', 'auditor'])('is not offered to a %s (no finding.triage)', async (role) => {
    renderAs(role);
    await screen.findByTestId(F.row(1), {}, { timeout: 15_000 }); // first render loads the lazy route
    expect(screen.queryByTestId(F.createTicket)).toBeNull();
  });

  it('is offered, disabled until something is selected, to a role with finding.triage', async () => {
    renderAs('operator');
    await screen.findByTestId(F.row(1));
    expect((screen.getByTestId(F.createTicket) as HTMLButtonElement).disabled).toBe(true);
  });

  it('posts the selected findings with title and assignee, then opens the ticket', async () => {
    const a = renderAs('security-manager');
    const modal = await openModal();
    fireEvent.change(within(modal).getByTestId(C.title), { target: { value: 'Fix privileged' } });
    fireEvent.change(within(modal).getByTestId(C.assignee), { target: { value: 'bob' } });
    fireEvent.click(within(modal).getByTestId(C.submit));
    await screen.findByTestId(testIds.ticket.page);
    const post = a.callsTo('POST', '/api/v1/tenants/acme/tickets')[0]!;
    expect(post.body).toEqual({ finding_ids: [1, 2], title: 'Fix privileged', assignee: 'bob' });
    expect(post.headers.get('X-CSRF-Token')).toBe('csrf-123');
    expect((await screen.findByTestId(testIds.ticket.title)).textContent).toContain('PAL-9');
  });

  it('shows the server message on a 409 and stays put', async () => {
    renderAs(
      'operator',
      () =>
        new JsonResponse(409, { error: { code: 'conflict', message: 'finding 1 is already tracked by ticket PAL-3', request_id: 'r-1' } }),
    );
    const modal = await openModal();
    fireEvent.click(within(modal).getByTestId(C.submit));
    await waitFor(() =>
      expect(within(modal).getByTestId(testIds.app.mutationError).textContent).toContain('already tracked by ticket PAL-3'),
    );
    expect(screen.getByTestId(F.page)).toBeTruthy();
  });
});
