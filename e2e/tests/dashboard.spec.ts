import { test, expect } from '@playwright/test';
import { base, by, login, shot, testIds } from './helpers';

const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));

test('the dashboard shows the numbers the API reports', async ({ page }) => {
  await login(page, 'acme-secmgr', '/t/acme');
  const scores = await (await page.request.get(base() + '/api/v1/tenants/acme/scores')).json();
  expect(scores.overall.compliance).not.toBeNull(); // the stack collected the cluster
  expect(scores.model).toBe(3);
  await expect(by(page, testIds.dashboard.overallRisk)).toContainText(fmt(scores.overall.risk));
  await expect(by(page, testIds.dashboard.overallCompliance)).toContainText(fmt(scores.overall.compliance));
  for (const area of scores.areas) {
    const row = by(page, testIds.dashboard.areaRow(area.id));
    await expect(row).toContainText(fmt(area.compliance));
    await expect(row).toContainText(fmt(area.risk));
  }
  for (const t of scores.targets) {
    if (!t.taken_at) continue;
    await expect(by(page, testIds.dashboard.targetRisk(t.target_id))).toContainText(fmt(t.risk));
    await expect(by(page, testIds.dashboard.targetCompliance(t.target_id))).toContainText(fmt(t.compliance));
  }
  await shot(page, 'dashboard');
  // Risk opens the findings behind it.
  await by(page, testIds.dashboard.overallRisk).click();
  await expect(by(page, testIds.findings.page)).toBeVisible();
});

test('someone in several tenants sees each of theirs with its numbers, and only theirs', async ({ page }) => {
  await login(page, 'consultant', '/t/acme');
  const overview = await (await page.request.get(base() + '/api/v1/overview')).json();
  expect(overview.items.map((t: { slug: string }) => t.slug).sort()).toEqual(['acme', 'globex']);
  for (const t of overview.items) {
    const row = by(page, testIds.dashboard.tenantRow(t.slug));
    await expect(row).toContainText(fmt(t.risk));
    await expect(row).toContainText(fmt(t.compliance));
  }
  await shot(page, 'dashboard-tenants');
});
