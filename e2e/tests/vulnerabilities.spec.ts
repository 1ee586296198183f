import { test, expect, type APIRequestContext } from '@playwright/test';
import { api, base, by, login, shot, testIds } from './helpers';

// The demo registry holds acme/payments-api (Debian 12, an old openssl, a small Go service)
// and acme/edge-proxy (Alpine 3.19, an old libssl3), and writes the demo advisory feeds the
// stack loads at start (made-up DEMO-… advisories against exactly those versions). This spec
// adds the registry to globex, runs it, and checks the vulnerabilities the UI shows, where
// they run, a VEX statement, and the image's SBOM. It leaves globex as it found it.

const TENANT = 'globex';
const TARGET = 'globex-vuln-registry';
const DEBIAN_ADVISORY = 'DEMO-DEBIAN-2026-0001';
const ALPINE_ADVISORY = 'DEMO-ALPINE-2026-0001';

interface Vuln {
  digest: string;
  repository: string;
  advisory: string;
  package: string;
  installed: string;
  fixed: string;
  severity: string;
  not_affected: boolean;
}

async function json(req: APIRequestContext, path: string) {
  const res = await req.get(base() + path);
  expect(res.status(), path).toBe(200);
  return res.json();
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the e2e stack did not start the demo registry`);
  return v;
}

test('image vulnerabilities from the layers, where they run, VEX and the SBOM', async ({ page }) => {
  if (process.env.CI === 'true') expect(process.env.PALISADE_E2E_REGISTRY_URL, 'the e2e stack started no demo registry').toBeTruthy();
  test.skip(!process.env.PALISADE_E2E_REGISTRY_URL, 'the e2e stack started no demo registry (apt-get install docker-registry)');

  await login(page, 'globex-admin', `/t/${TENANT}/vulnerabilities`);
  const { req, csrf } = await api(page);
  const headers = { 'X-CSRF-Token': csrf };
  let targetId: number | undefined;
  let vexId: number | undefined;
  try {
    // The feeds were loaded at start: every result names them.
    const feeds = (await json(req, '/api/v1/advisories')).items as { ecosystem: string; refreshed_at: string | null; error: string }[];
    for (const eco of ['Alpine', 'Debian']) {
      const f = feeds.find((x) => x.ecosystem === eco);
      expect(f?.refreshed_at, `${eco} feed loaded`).toBeTruthy();
      expect(f?.error).toBe('');
    }

    // The registry as a target (the UI path is registry.spec.ts), then one run.
    const created = await req.post(`${base()}/api/v1/tenants/${TENANT}/targets`, {
      headers,
      data: {
        name: TARGET,
        kind: 'registry',
        schedule: '24h',
        settings: { url: env('PALISADE_E2E_REGISTRY_URL'), ca_bundle: env('PALISADE_E2E_REGISTRY_CA'), repositories: 'acme/payments-api,acme/edge-proxy' },
        credentials: JSON.stringify({ username: env('PALISADE_E2E_REGISTRY_USER'), password: env('PALISADE_E2E_REGISTRY_PASSWORD') }),
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    targetId = (await created.json()).id as number;
    const runsPath = `/api/v1/tenants/${TENANT}/targets/${targetId}/runs?limit=20`;
    const runs = async () => (await json(req, runsPath)).items as { id: number; status: string }[];
    await expect.poll(async () => (await runs()).every((r) => r.status !== 'running'), { timeout: 120_000 }).toBe(true);
    if (!(await runs()).some((r) => r.status === 'complete')) {
      const started = await req.post(`${base()}${`/api/v1/tenants/${TENANT}/targets/${targetId}/runs`}`, { headers });
      expect(started.status()).toBe(202);
    }
    await expect.poll(async () => (await runs()).some((r) => r.status === 'complete'), { timeout: 120_000 }).toBe(true);

    // The packages were read from the layers and matched: openssl on both images.
    const all = (await json(req, `/api/v1/tenants/${TENANT}/vulnerabilities?limit=500`)).items as Vuln[];
    const deb = all.find((v) => v.advisory === DEBIAN_ADVISORY && v.package === 'libssl3');
    const apk = all.find((v) => v.advisory === ALPINE_ADVISORY && v.package === 'libssl3');
    expect(deb, `${DEBIAN_ADVISORY} on libssl3`).toBeTruthy();
    expect(apk, `${ALPINE_ADVISORY} on libssl3`).toBeTruthy();
    expect(deb!.repository).toBe('acme/payments-api');
    expect([deb!.installed, deb!.fixed, deb!.severity]).toEqual(['3.0.11-1~deb12u1', '3.0.13-1~deb12u1', 'critical']);
    expect([apk!.repository, apk!.installed, apk!.severity]).toEqual(['acme/edge-proxy', '3.1.4-r0', 'high']);

    // The list page: the row, its severity, and the advisory data strip.
    const V = testIds.vulnerabilities;
    const A = testIds.advisoryData;
    await page.goto(`${base()}/t/${TENANT}/vulnerabilities`);
    await expect(by(page, V.page)).toBeVisible();
    await expect(by(page, A.strip)).toBeVisible();
    await expect(by(page, A.feed('Debian'))).toBeVisible();
    await expect(by(page, A.warning)).toHaveCount(0);
    const key = `${deb!.digest}|${DEBIAN_ADVISORY}|libssl3`;
    await expect(by(page, V.row(key))).toBeVisible();
    await expect(by(page, V.severityLabel(key))).toContainText(/critical/i);
    await shot(page, 'vulnerabilities');

    // Filtered by the Alpine advisory, only the edge proxy's rows remain.
    await page.goto(`${base()}/t/${TENANT}/vulnerabilities?vulnerability=${ALPINE_ADVISORY}`);
    await expect(by(page, V.row(`${apk!.digest}|${ALPINE_ADVISORY}|libssl3`))).toBeVisible();
    await expect(by(page, V.row(key))).toHaveCount(0);

    // Where does it run: the detail page lists the image.
    await page.goto(`${base()}/t/${TENANT}/vulnerabilities`);
    await by(page, V.advisoryLink(key)).click();
    const D = testIds.vulnerability;
    await expect(by(page, D.page)).toBeVisible();
    await expect(by(page, D.advisory(DEBIAN_ADVISORY))).toBeVisible();
    await expect(by(page, D.affectedImage(deb!.digest))).toContainText('acme/payments-api');
    await shot(page, 'vulnerability-detail');

    // A VEX statement for this image: the form says what is wrong, then records it.
    const F = testIds.vexForm;
    await by(page, D.declare).click();
    await expect(by(page, F.modal)).toBeVisible();
    await by(page, F.reason).fill('short');
    await by(page, F.submit).click();
    await expect(by(page, F.error('reason'))).toBeVisible();
    await by(page, F.scopeImage).check();
    await by(page, F.digest).selectOption(deb!.digest);
    await by(page, F.justification).selectOption('vulnerable_code_not_in_execute_path');
    await by(page, F.reason).fill('payments-api never calls the affected openssl function');
    const expiry = new Date(Date.now() + 30 * 24 * 3_600_000).toISOString().slice(0, 10);
    await by(page, F.expiry).fill(expiry);
    await by(page, F.submit).click();
    await expect(by(page, F.done)).toBeVisible();
    const vex = (await json(req, `/api/v1/tenants/${TENANT}/vex`)).items as { id: number; vulnerability: string; digest: string }[];
    const stmt = vex.find((s) => s.vulnerability === DEBIAN_ADVISORY && s.digest === deb!.digest);
    expect(stmt, 'the VEX statement').toBeTruthy();
    vexId = stmt!.id;
    const after = (await json(req, `/api/v1/tenants/${TENANT}/vulnerabilities?vulnerability=${DEBIAN_ADVISORY}&not_affected=true`)).items as Vuln[];
    expect(after.filter((v) => v.digest === deb!.digest).every((v) => v.not_affected)).toBe(true);

    // The image page: its SBOM (read from the layers) and the CycloneDX download.
    const I = testIds.image;
    await page.goto(`${base()}/t/${TENANT}/images/${deb!.digest}`);
    await expect(by(page, I.vulnerabilities)).toBeVisible();
    await expect(by(page, I.sbomSource)).toContainText(/layers|extract/i);
    await expect(by(page, I.sbomDownload)).toBeVisible();
    const cdx = await req.get(`${base()}/api/v1/tenants/${TENANT}/images/${deb!.digest}/sbom`);
    expect(cdx.status()).toBe(200);
    expect(cdx.headers()['content-type']).toContain('application/vnd.cyclonedx+json');
    const doc = await cdx.json();
    expect(doc.bomFormat).toBe('CycloneDX');
    expect(JSON.stringify(doc.components)).toContain('pkg:deb/debian/libssl3@3.0.11-1~deb12u1');
    await shot(page, 'image-vulnerabilities');
  } finally {
    if (vexId !== undefined) {
      const del = await req.delete(`${base()}/api/v1/tenants/${TENANT}/vex/${vexId}`, { headers });
      expect([204, 404]).toContain(del.status());
    }
    if (targetId === undefined) {
      targetId = (await json(req, `/api/v1/tenants/${TENANT}/targets`)).items.find((t: { name: string }) => t.name === TARGET)?.id;
    }
    if (targetId !== undefined) {
      const del = await req.delete(`${base()}/api/v1/tenants/${TENANT}/targets/${targetId}`, { headers });
      expect([200, 204, 404]).toContain(del.status());
    }
  }
});
