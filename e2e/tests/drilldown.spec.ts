import { test, expect, type Page } from '@playwright/test';
import { api, base, by, login, testIds } from './helpers';

// Issue 14: every number on the dashboard opens exactly what is behind it. Each link is
// clicked in the browser; the list it opens is counted through the API with the filters in
// the opened page's URL (the findings page pages through results), and compared.

/** count is a number as the UI prints it ("1,234"). */
const count = (n: number) => new Intl.NumberFormat('en-US').format(n);

/** openFindingsBehind counts the open findings the findings page at url lists. */
async function openFindingsBehind(page: Page, url: string): Promise<number> {
  const { req } = await api(page);
  const params = new URL(url).searchParams;
  let cursor = '';
  let n = 0;
  for (let i = 0; i < 100; i++) {
    const q = new URLSearchParams(params);
    q.set('limit', '500');
    if (cursor) q.set('cursor', cursor);
    const res = await req.get(`${base()}/api/v1/tenants/acme/findings?${q}`);
    expect(res.status(), `findings?${q}`).toBe(200);
    const page = await res.json();
    n += page.items.length;
    cursor = page.next_cursor;
    if (!cursor) return n;
  }
  throw new Error('more than 50,000 findings');
}

/** follow clicks a link, counts what the findings page it opens lists, and comes back. */
async function follow(page: Page, link: ReturnType<Page['getByTestId']>): Promise<number> {
  await link.click();
  await expect(by(page, testIds.findings.page)).toBeVisible();
  const n = await openFindingsBehind(page, page.url());
  await page.goBack();
  await expect(by(page, testIds.dashboard.page)).toBeVisible();
  return n;
}

test('every number on the dashboard adds up to the list it opens', async ({ page }) => {
  test.setTimeout(180_000);
  await login(page, 'acme-secmgr', '/t/acme');
  const { req } = await api(page);
  const scores = await (await req.get(base() + '/api/v1/tenants/acme/scores')).json();
  expect(scores.overall.open).toBeGreaterThan(0);

  // The tenant's risk opens its open findings: as many as the risk is made of.
  expect(await follow(page, by(page, testIds.dashboard.overallRisk))).toBe(scores.overall.open);

  // Each target's risk opens that target's open findings.
  for (const t of scores.targets) {
    if (!t.taken_at) continue;
    expect(await follow(page, by(page, testIds.dashboard.targetRisk(t.target_id))), `target ${t.name}`).toBe(t.open);
  }

  // Each CSA area's open findings.
  for (const area of scores.areas) {
    if (area.open === 0) continue;
    const link = by(page, testIds.dashboard.areaOpen(area.id));
    await expect(link).toHaveText(count(area.open));
    expect(await follow(page, link), `area ${area.id}`).toBe(area.open);
  }

  // Owners and namespaces, as ranked.
  for (const kind of ['owner', 'namespace'] as const) {
    const ranked = await (await req.get(`${base()}/api/v1/tenants/acme/scores/scopes?kind=${kind}`)).json();
    expect(ranked.items.length, `${kind}s ranked`).toBeGreaterThan(0);
    if (kind === 'namespace') await page.getByRole('tab', { name: 'Namespaces' }).click();
    for (const s of ranked.items.slice(0, 5)) {
      if (s.open === 0 || (kind === 'owner' && s.key === '')) continue;
      const row = by(page, testIds.dashboard.rankedRow(`${kind}-${s.target_id ?? 'all'}-${s.key}`));
      const n = await follow(page, row.getByRole('link', { name: count(s.open), exact: true }));
      expect(n, `${kind} ${s.key}`).toBe(s.open);
      if (kind === 'namespace') await page.getByRole('tab', { name: 'Namespaces' }).click();
    }
  }

  // Attestation gaps are not findings: they open the recommendations without a valid
  // attestation, as many as the number says, tenant-wide and per area.
  for (const area of scores.areas) {
    if (area.needs_attestation === 0) continue;
    await by(page, testIds.dashboard.areaGaps(area.id)).click();
    await expect(by(page, testIds.csa.gapsFilter)).toBeVisible();
    await expect(by(page, testIds.csa.area(area.id)).locator('[data-testid^="csa-row-"]')).toHaveCount(area.needs_attestation);
    await page.goBack();
  }
  expect(scores.overall.needs_attestation).toBeGreaterThan(0);
  await by(page, testIds.dashboard.attestationGaps).click();
  await expect(by(page, testIds.csa.gapsFilter)).toBeVisible();
  await expect(page.locator('[data-testid^="csa-row-"]')).toHaveCount(scores.overall.needs_attestation);
});
