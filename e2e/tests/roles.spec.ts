import { test, expect } from '@playwright/test';
import { base, by, login, testIds } from './helpers';

// Every demo user signs in through the bundled identity provider and sees what their role
// in each tenant allows: the navigation offers only permitted sections.
const users: Array<{ user: string; tenant: string | null; role?: string; audit: boolean; settings: boolean }> = [
  { user: 'acme-admin', tenant: 'acme', role: 'admin', audit: true, settings: true },
  { user: 'acme-secmgr', tenant: 'acme', role: 'security-manager', audit: true, settings: false },
  { user: 'acme-operator', tenant: 'acme', role: 'operator', audit: false, settings: false },
  { user: 'acme-auditor', tenant: 'acme', role: 'auditor', audit: true, settings: true },
  { user: 'acme-viewer', tenant: 'acme', role: 'viewer', audit: false, settings: false },
  { user: 'globex-admin', tenant: 'globex', role: 'admin', audit: true, settings: true },
  { user: 'globex-secmgr', tenant: 'globex', role: 'security-manager', audit: true, settings: false },
  { user: 'globex-operator', tenant: 'globex', role: 'operator', audit: false, settings: false },
  { user: 'globex-auditor', tenant: 'globex', role: 'auditor', audit: true, settings: true },
  { user: 'globex-viewer', tenant: 'globex', role: 'viewer', audit: false, settings: false },
  { user: 'nobody', tenant: null, audit: false, settings: false },
];

for (const u of users) {
  test(`${u.user} signs in and sees what the role allows`, async ({ page }) => {
    await login(page, u.user);
    if (u.tenant === null) {
      await expect(by(page, testIds.app.noTenant)).toBeVisible();
      return;
    }
    await expect(page).toHaveURL(new RegExp(`/t/${u.tenant}`));
    const session = await (await page.request.get(base() + '/api/v1/session')).json();
    expect(session.tenants.map((t: { slug: string; role: string }) => `${t.slug}:${t.role}`)).toEqual([`${u.tenant}:${u.role}`]);
    await expect(by(page, testIds.app.navItem('findings'))).toBeVisible();
    await expect(by(page, testIds.app.navItem('audit'))).toHaveCount(u.audit ? 1 : 0);
    await expect(by(page, testIds.app.navItem('settings'))).toHaveCount(u.settings ? 1 : 0);
    // The other tenant is not reachable by URL either.
    const other = u.tenant === 'acme' ? 'globex' : 'acme';
    const res = await page.request.get(`${base()}/api/v1/tenants/${other}/findings`);
    expect(res.status()).toBe(404);
  });
}

test('the consultant switches between two tenants with two roles', async ({ page }) => {
  await login(page, 'consultant');
  const session = await (await page.request.get(base() + '/api/v1/session')).json();
  const roles = Object.fromEntries(session.tenants.map((t: { slug: string; role: string }) => [t.slug, t.role]));
  expect(roles).toEqual({ acme: 'auditor', globex: 'operator' });
  await page.goto(base() + '/t/globex/findings');
  await expect(by(page, testIds.findings.page)).toBeVisible();
  await expect(by(page, testIds.findings.bulkTriage)).toHaveCount(1);
  await page.goto(base() + '/t/acme/findings');
  await expect(by(page, testIds.findings.page)).toBeVisible();
  await expect(by(page, testIds.findings.bulkTriage)).toHaveCount(0);
});

test('logout ends the session', async ({ page }) => {
  await login(page, 'acme-viewer');
  await by(page, testIds.app.userMenu).click();
  await by(page, testIds.app.logout).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/t/'));
  const res = await page.request.get(base() + '/api/v1/session');
  expect(res.status()).toBe(401);
});
