import { test, expect } from '@playwright/test';
import { base, by, login, shot, testIds } from './helpers';

test('an operator opens a ticket from findings, and a second one for the same finding is refused', async ({ page }) => {
  await login(page, 'acme-operator', '/t/acme/findings?severity=critical');
  await expect(by(page, testIds.findings.table)).toBeVisible();
  const list = await (await page.request.get(base() + '/api/v1/tenants/acme/findings?severity=critical&limit=2')).json();
  const [a, b] = list.items;
  await by(page, testIds.findings.rowCheckbox(a.id)).check();
  await by(page, testIds.findings.rowCheckbox(b.id)).check();
  await by(page, testIds.findings.createTicket).click();
  await by(page, testIds.createTicket.assignee).fill('e2e-operator');
  await by(page, testIds.createTicket.submit).click();
  await expect(by(page, testIds.ticket.page)).toBeVisible();
  await expect(by(page, testIds.ticket.finding(a.id))).toBeVisible();
  await shot(page, 'ticket');

  const tickets = await (await page.request.get(base() + '/api/v1/tenants/acme/tickets')).json();
  const created = tickets.items[0]; // newest first
  expect(created.assignee).toBe('e2e-operator');
  expect(created.severity).toBe('critical');
  expect(created.due_at).not.toBeNull(); // critical: due in 7 days

  const session = await (await page.request.get(base() + '/api/v1/session')).json();
  const again = await page.request.post(base() + '/api/v1/tenants/acme/tickets', {
    headers: { 'X-CSRF-Token': session.csrf_token },
    data: { finding_ids: [a.id] },
  });
  expect(again.status()).toBe(409);
  expect(await again.text()).toContain(created.key);
});
