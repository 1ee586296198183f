import { test, expect, type APIRequestContext } from '@playwright/test';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { api, base, by, login, shot, testIds } from './helpers';

const A = testIds.alerts;

async function json(req: APIRequestContext, path: string) {
  const res = await req.get(base() + path);
  expect(res.status(), path).toBe(200);
  return res.json();
}

/** runAll starts a run of every target of the tenant and waits until each is recorded. */
async function runAll(req: APIRequestContext, csrf: string, tenant: string) {
  const targets = (await json(req, `/api/v1/tenants/${tenant}/targets`)).items;
  for (const t of targets) {
    const started = await req.post(`${base()}/api/v1/tenants/${tenant}/targets/${t.id}/runs`, { headers: { 'X-CSRF-Token': csrf } });
    expect(started.status()).toBe(202);
    const run = await started.json();
    await expect
      .poll(async () => (await json(req, `/api/v1/tenants/${tenant}/targets/${t.id}/runs?limit=5`)).items.find((r: { id: number }) => r.id === run.id)?.status, {
        timeout: 30_000,
      })
      .toBe('complete');
  }
}

test('an attestation recorded in the CSA view raises compliance by one recommendation\'s share at the next run, and revoking it lowers it again', async ({ page }) => {
  await login(page, 'globex-secmgr', '/t/globex/csa');
  const { req, csrf } = await api(page);
  const recs = (await json(req, '/api/v1/tenants/globex/csa')).items;
  const rec = recs.find((r: { mode: string; status: string }) => r.mode === 'attest' && r.status === 'needs_attestation');
  expect(rec, 'an attest-only recommendation without an attestation').toBeTruthy();
  await runAll(req, csrf, 'globex');
  const before = (await json(req, '/api/v1/tenants/globex/scores')).overall;

  await by(page, testIds.csa.attest(rec.id)).click();
  await by(page, testIds.attest.statement).fill('Monitoring between containers is reviewed monthly by the platform team.');
  await by(page, testIds.attest.owner).fill('platform@globex.example');
  await by(page, testIds.attest.submit).click();
  await expect(by(page, testIds.csa.status(rec.id))).toHaveText(/attested/i);
  await shot(page, 'csa-attested');

  await runAll(req, csrf, 'globex');
  const attested = (await json(req, '/api/v1/tenants/globex/scores')).overall;
  // One attestation is one recommendation's share: 100 / the recommendations averaged (both
  // numbers are rounded to one decimal, hence the 0.1 of slack). Risk does not move.
  expect(attested.compliance).toBeGreaterThan(before.compliance);
  expect(attested.compliance - before.compliance).toBeLessThanOrEqual(100 / before.recommendations + 0.1);
  expect(attested.risk).toBe(before.risk);

  const att = (await json(req, '/api/v1/tenants/globex/attestations')).items.find((a: { csa_id: string; valid: boolean }) => a.csa_id === rec.id && a.valid);
  const revoked = await req.delete(`${base()}/api/v1/tenants/globex/attestations/${att.id}`, { headers: { 'X-CSRF-Token': csrf } });
  expect(revoked.ok()).toBe(true);
  await runAll(req, csrf, 'globex');
  expect((await json(req, '/api/v1/tenants/globex/scores')).overall.compliance).toBe(before.compliance);
});

test('an admin adds a webhook channel in the UI and its test message arrives signed', async ({ page }) => {
  const secret = 'e2e-webhook-signing-key-0123456789';
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (c) => (body += c));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  try {
    await login(page, 'acme-admin', '/t/acme/alerts');
    await by(page, A.channelAdd).click();
    const name = `e2e-webhook-${Date.now()}`;
    await by(page, A.channelName).fill(name);
    await by(page, A.channelKind).selectOption('webhook');
    await by(page, A.channelSetting('url')).fill(url);
    await by(page, A.channelSecret).fill(secret);
    await by(page, A.channelSubmit).click();

    const { req } = await api(page);
    const channel = (await json(req, '/api/v1/tenants/acme/channels')).items.find((c: { name: string }) => c.name === name);
    expect(channel).toBeTruthy();
    expect(JSON.stringify(channel)).not.toContain(secret); // write-only
    await by(page, A.channelTest(channel.id)).click();
    await expect(by(page, A.channelTestResult(channel.id))).toHaveText('delivered');
    await shot(page, 'alerts-channel-tested');

    expect(received).toHaveLength(1);
    const { headers, body } = received[0];
    const ts = String(headers['x-palisade-timestamp']);
    const want = 'v1=' + createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    const got = String(headers['x-palisade-signature']);
    expect(got.length).toBe(want.length);
    expect(timingSafeEqual(Buffer.from(got), Buffer.from(want))).toBe(true);
    expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(300);
    expect(JSON.parse(body).tenant).toBeTruthy();
  } finally {
    server.close();
  }
});

test('the exception review lists an approved exception that covers nothing', async ({ page }) => {
  // Requested by the operator, approved by the security manager (four eyes), scoped to a
  // label no asset has.
  await login(page, 'acme-operator', '/t/acme/exceptions');
  let { req, csrf } = await api(page);
  const check = ((await json(req, '/api/v1/checks')).items as { id: string }[])[0];
  const expires = new Date(Date.now() + 5 * 24 * 3600 * 1000).toISOString();
  const created = await req.post(base() + '/api/v1/tenants/acme/exceptions', {
    headers: { 'X-CSRF-Token': csrf },
    data: { check_id: check.id, label_selector: 'palisade-e2e=nothing', reason: 'e2e: covers nothing', expires_at: expires },
  });
  expect(created.status()).toBe(201);
  const exc = await created.json();

  await page.context().clearCookies();
  await login(page, 'acme-secmgr', '/t/acme/exceptions');
  ({ req, csrf } = await api(page));
  const decided = await req.post(`${base()}/api/v1/tenants/acme/exceptions/${exc.id}/decision`, {
    headers: { 'X-CSRF-Token': csrf },
    data: { decision: 'approved' },
  });
  expect(decided.status()).toBe(200);
  await page.reload();
  await expect(by(page, testIds.exceptions.expiringRow(exc.id))).toBeVisible();
  await expect(by(page, testIds.exceptions.unmatchedRow(exc.id))).toContainText('finding is in its scope');
  await shot(page, 'exceptions-review');
  await by(page, testIds.exceptions.unmatchedRow(exc.id)).getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('button', { name: 'Revoke', exact: true }).last().click();
  await expect(by(page, testIds.exceptions.unmatchedRow(exc.id))).toHaveCount(0);
  await expect(by(page, testIds.exceptions.status(exc.id))).toHaveText('revoked');
});

test('a security manager disables a channel, then deletes it with the rule that routes to it', async ({ page }) => {
  await login(page, 'acme-secmgr', '/t/acme/alerts');
  const { req, csrf } = await api(page);
  const name = `e2e-retire-${Date.now()}`;
  const made = await req.post(base() + '/api/v1/tenants/acme/channels', {
    headers: { 'X-CSRF-Token': csrf },
    data: { name, kind: 'webhook', settings: { url: 'http://127.0.0.1:9/hook/secret-path' }, secret: 'e2e-retire-signing-key-0123456789' },
  });
  expect(made.status()).toBe(201);
  const channel = await made.json();
  const rule = await req.post(base() + '/api/v1/tenants/acme/alert-rules', {
    headers: { 'X-CSRF-Token': csrf },
    data: { name: `${name}-rule`, channel_id: channel.id },
  });
  expect(rule.status()).toBe(201);
  const ruleId = (await rule.json()).id;
  await page.reload();

  await by(page, A.channelToggle(channel.id)).click();
  await expect(by(page, A.channelRow(channel.id))).toContainText('disabled');
  await expect(by(page, A.channelToggle(channel.id))).toHaveText('Enable');
  const listed = (await json(req, '/api/v1/tenants/acme/channels')).items.find((c: { id: number }) => c.id === channel.id);
  expect(listed.enabled).toBe(false);
  expect(JSON.stringify(listed)).not.toContain('secret-path'); // shown as scheme and host only

  await by(page, A.channelDelete(channel.id)).click();
  const modal = by(page, testIds.confirm.modal);
  await modal.getByTestId(testIds.confirm.confirm).click();
  await expect(by(page, A.channelDeleteInUse)).toContainText(`${name}-rule`);
  await shot(page, 'alerts-channel-in-use');
  await expect(modal.getByTestId(testIds.confirm.confirm)).toHaveText('Delete with its 1 rule');
  await modal.getByTestId(testIds.confirm.confirm).click();
  await expect(by(page, A.channelRow(channel.id))).toHaveCount(0);
  await expect(by(page, A.ruleRow(ruleId))).toHaveCount(0);
  const left = (await json(req, '/api/v1/tenants/acme/channels')).items.filter((c: { id: number }) => c.id === channel.id);
  expect(left).toHaveLength(0);
});
