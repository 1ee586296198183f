import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { api, base, by, login, shot, testIds } from './helpers';

const D = testIds.drift;

/** kube calls the stack's kube-apiserver with the admin kubeconfig it wrote (token + CA). */
function kube(method: string, path: string): Promise<{ status: number; body: string }> {
  const file = process.env.PALISADE_E2E_KUBECONFIG;
  if (!file) throw new Error('PALISADE_E2E_KUBECONFIG is not set: the global setup did not run');
  const text = readFileSync(file, 'utf8');
  const field = (name: string) => {
    const m = text.match(new RegExp(`^\\s*${name}: (\\S+)$`, 'm'));
    if (!m) throw new Error(`kubeconfig has no ${name}`);
    return m[1];
  };
  const server = new URL(field('server'));
  const ca = Buffer.from(field('certificate-authority-data'), 'base64');
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: server.hostname, port: server.port, path, method, ca, headers: { Authorization: `Bearer ${field('token')}` } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a NetworkPolicy deleted in the cluster shows up in the drift feed as config drift', async ({ page }) => {
  const list = await kube('GET', '/apis/networking.k8s.io/v1/networkpolicies');
  expect(list.status).toBe(200);
  const np = JSON.parse(list.body).items[0].metadata as { name: string; namespace: string };
  const gone = await kube('DELETE', `/apis/networking.k8s.io/v1/namespaces/${np.namespace}/networkpolicies/${np.name}`);
  expect(gone.status).toBe(200);

  await login(page, 'acme-operator', '/t/acme/drift');
  const { req, csrf } = await api(page);
  const targets = (await (await req.get(base() + '/api/v1/tenants/acme/targets')).json()).items as { id: number; kind: string }[];
  const cluster = targets.find((t) => t.kind === 'cluster')!;
  const started = await req.post(`${base()}/api/v1/tenants/acme/targets/${cluster.id}/runs`, { headers: { 'X-CSRF-Token': csrf } });
  expect(started.status()).toBe(202);
  const run = await started.json();
  await expect
    .poll(async () => {
      const runs = (await (await req.get(`${base()}/api/v1/tenants/acme/targets/${cluster.id}/runs?limit=5`)).json()).items;
      return runs.find((r: { id: number }) => r.id === run.id)?.status;
    }, { timeout: 30_000 })
    .toBe('complete');

  await page.reload();
  await by(page, D.kindFilter).selectOption('config_drift');
  const key = `networking.k8s.io/NetworkPolicy/${np.namespace}/${np.name}`;
  const row = by(page, D.feed).getByRole('row').filter({ hasText: key });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('was deleted');
  await expect(row).toContainText('config drift');
  await shot(page, 'drift-config');
});
