import { test, expect } from '@playwright/test';
import { base, by, login, shot, testIds } from './helpers';

const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));

test('the dashboard shows the scores the API reports', async ({ page }) => {
  await login(page, 'acme-secmgr', '/t/acme');
  const scores = await (await page.request.get(base() + '/api/v1/tenants/acme/scores')).json();
  expect(scores.overall.score).not.toBeNull(); // the stack collected the cluster
  await expect(by(page, testIds.dashboard.overallScore)).toContainText(fmt(scores.overall.score));
  for (const area of scores.areas) {
    await expect(by(page, testIds.dashboard.areaRow(area.id))).toContainText(fmt(area.score));
  }
  for (const t of scores.targets) {
    await expect(by(page, testIds.dashboard.targetScore(t.target_id))).toContainText(fmt(t.score));
  }
  await shot(page, 'dashboard');
  // Every number opens the findings behind it.
  await by(page, testIds.dashboard.overallScore).click();
  await expect(by(page, testIds.findings.page)).toBeVisible();
});
