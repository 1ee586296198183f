import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Starts the whole stack (e2e/stack: a seeded kube-apiserver, the bundled identity provider
// and the palisade binary with the UI built in) and hands its addresses to the tests through
// the environment. The returned function stops it.
export default async function globalSetup(): Promise<() => Promise<void>> {
  const root = resolve(__dirname, '..');
  const bin = process.env.PALISADE_E2E_BIN ?? join(root, 'bin', 'palisade');
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: build it with the UI first (make build)`);
  }
  const out = join(mkdtempSync(join(tmpdir(), 'palisade-e2e-')), 'stack.json');
  const stack = spawn('go', ['run', './e2e/stack', '--bin', bin, '--out', out, '--root', root], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  let exited: number | null = null;
  stack.on('exit', (code) => { exited = code ?? 1; });
  const deadline = Date.now() + 10 * 60_000; // the first run may build kube-apiserver
  while (!existsSync(out)) {
    if (exited !== null) throw new Error(`the e2e stack exited with ${exited} before it was ready`);
    if (Date.now() > deadline) throw new Error('the e2e stack was not ready within 10 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
  const s = JSON.parse(readFileSync(out, 'utf8'));
  process.env.PALISADE_E2E_BASE_URL = s.base_url;
  process.env.PALISADE_E2E_ISSUER = s.issuer;
  process.env.PALISADE_E2E_KUBECONFIG = s.kubeconfig;
  for (const [key, env] of Object.entries({
    registry_url: 'PALISADE_E2E_REGISTRY_URL',
    registry_ca: 'PALISADE_E2E_REGISTRY_CA',
    registry_user: 'PALISADE_E2E_REGISTRY_USER',
    registry_password: 'PALISADE_E2E_REGISTRY_PASSWORD',
    registry_public_key: 'PALISADE_E2E_REGISTRY_PUBKEY',
  })) {
    if (s[key]) process.env[env] = s[key];
  }
  return async () => {
    if (exited === null && stack.pid) {
      process.kill(-stack.pid, 'SIGTERM'); // the group: go run and the stack it started
      await new Promise((r) => stack.on('exit', r));
    }
  };
}
