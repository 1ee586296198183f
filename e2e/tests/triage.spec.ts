import { test, expect } from '@playwright/test';
import { base, by, login, shot, testIds } from './helpers';

test('an operator triages a finding and the change persists after reload', async ({ page }) => {
  await login(page, 'acme-operator', '/t/acme/findings?severity=high');
  await expect(by(page, testIds.findings.table)).toBeVisible();
  const list = await (await page.request.get(base() + '/api/v1/tenants/acme/findings?severity=high&limit=1')).json();
  const id = list.items[0].id;
  await by(page, testIds.findings.rowCheckbox(id)).check();
  await expect(by(page, testIds.findings.selectionCount)).toContainText('1');
  await by(page, testIds.findings.bulkTriage).click();
  await by(page, testIds.triage.state).selectOption('acknowledged');
  await by(page, testIds.triage.assignee).fill('e2e-operator');
  await by(page, testIds.triage.note).fill('looking into it');
  await by(page, testIds.triage.submit).click();
  await expect(by(page, testIds.triage.modal)).toHaveCount(0);
  await shot(page, 'findings');

  await page.goto(`${base()}/t/acme/findings/${id}`);
  await page.reload();
  await expect(by(page, testIds.finding.triage)).toContainText(/acknowledged/i);
  await expect(by(page, testIds.finding.history)).toContainText('looking into it');
  const f = await (await page.request.get(`${base()}/api/v1/tenants/acme/findings/${id}`)).json();
  expect(f.triage).toBe('acknowledged');
  expect(f.assignee).toBe('e2e-operator');
  await shot(page, 'finding');
});

test('filters live in the URL, so a view can be shared', async ({ page }) => {
  await login(page, 'acme-operator', '/t/acme/findings?severity=critical&namespace=analytics');
  await expect(by(page, testIds.findings.table)).toBeVisible();
  const api = await (await page.request.get(base() + '/api/v1/tenants/acme/findings?severity=critical&namespace=analytics&limit=50')).json();
  for (const f of api.items) {
    await expect(by(page, testIds.findings.row(f.id))).toBeVisible();
  }
});
