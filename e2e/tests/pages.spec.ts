import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { base, by, login, shot, testIds } from './helpers';

// Each main page renders with data, is screenshotted as an artifact, and has no serious or
// critical accessibility violation.
const pages: Array<{ name: string; path: string; ready: string }> = [
  { name: 'dashboard', path: '/t/acme', ready: testIds.dashboard.page },
  { name: 'findings', path: '/t/acme/findings', ready: testIds.findings.table },
  { name: 'csa', path: '/t/acme/csa', ready: testIds.csa.page },
  { name: 'assets', path: '/t/acme/assets', ready: testIds.assets.page },
  { name: 'targets', path: '/t/acme/targets', ready: testIds.targets.table },
  { name: 'exceptions', path: '/t/acme/exceptions', ready: testIds.exceptions.page },
  { name: 'audit', path: '/t/acme/audit', ready: testIds.audit.table },
  { name: 'settings', path: '/t/acme/settings', ready: testIds.settings.page },
  { name: 'drift', path: '/t/acme/drift', ready: testIds.drift.page },
  { name: 'tickets', path: '/t/acme/tickets', ready: testIds.tickets.page },
  { name: 'alerts', path: '/t/acme/alerts', ready: testIds.alerts.page },
];

test.describe('main pages', () => {
  test.beforeEach(async ({ page }) => {
    await login(page, 'acme-admin', '/t/acme');
  });
  for (const p of pages) {
    test(`${p.name} renders and passes axe`, async ({ page }) => {
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(base() + p.path);
      await expect(by(page, p.ready)).toBeVisible();
      await expect(by(page, testIds.app.loading)).toHaveCount(0);
      await shot(page, `page-${p.name}`);
      const results = await new AxeBuilder({ page }).analyze();
      const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
      expect(errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
    });
  }
});
