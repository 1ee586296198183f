import { test, expect } from '@playwright/test';
import { api, base, by, login, shot, testIds } from './helpers';

test('an auditor reads everything and can change nothing', async ({ page }) => {
  await login(page, 'acme-auditor', '/t/acme/findings');
  await expect(by(page, testIds.findings.table)).toBeVisible();
  await expect(by(page, testIds.findings.bulkTriage)).toHaveCount(0);
  await expect(by(page, testIds.findings.requestException)).toHaveCount(0);

  await page.goto(base() + '/t/acme/targets');
  await expect(by(page, testIds.targets.table)).toBeVisible();
  await expect(by(page, testIds.targets.add)).toHaveCount(0);
  await expect(page.locator('[data-testid^="target-run-"]')).toHaveCount(0);
  await expect(page.locator('[data-testid^="target-delete-"]')).toHaveCount(0);

  await page.goto(base() + '/t/acme/audit');
  await expect(by(page, testIds.audit.table)).toBeVisible();
  await expect(by(page, testIds.audit.export)).toBeVisible();
  await shot(page, 'audit');

  // Behind the UI, the API refuses too.
  const { req, csrf } = await api(page);
  const list = await (await req.get(base() + '/api/v1/tenants/acme/findings?limit=1')).json();
  const res = await req.post(base() + '/api/v1/tenants/acme/findings/triage', {
    headers: { 'X-CSRF-Token': csrf },
    data: { ids: [list.items[0].id], triage: 'wont_fix' },
  });
  expect(res.status()).toBe(403);
});
