import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role, Run, Target } from '../../api/types';
import { membership, session, target } from '../../test/fixtures';
import { fakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.targets;

function running(t: Target): Run {
  return { ...t.last_run!, id: 999, status: 'running', finished_at: null };
}

describe('TargetsPage', () => {
  it('offers an auditor no add, run, edit, enable or delete', async () => {
    const api = fakeApi({ 'GET /api/v1/tenants/acme/targets': () => ({ items: [target(1), target(2, { stale: true })] }) });
    renderApp({ route: '/t/acme/targets', fetch: api.fetch, session: session([membership('auditor')]) });
    await screen.findByTestId(T.row(1));
    for (const id of [1, 2]) {
      expect(screen.queryByTestId(T.runNow(id))).toBeNull();
      expect(screen.queryByTestId(T.edit(id))).toBeNull();
      expect(screen.queryByTestId(T.enable(id))).toBeNull();
      expect(screen.queryByTestId(T.remove(id))).toBeNull();
    }
    expect(screen.queryByTestId(T.add)).toBeNull();
    expect(screen.getByTestId(T.stale(2)).textContent).toContain('stale');
  });

  it('gives a security manager Run now but not target changes', async () => {
    const api = fakeApi({ 'GET /api/v1/tenants/acme/targets': () => ({ items: [target(1)] }) });
    renderApp({ route: '/t/acme/targets', fetch: api.fetch, session: session([membership('security-manager')]) });
    await screen.findByTestId(T.row(1));
    expect(screen.getByTestId(T.runNow(1))).toBeTruthy();
    expect(screen.queryByTestId(T.remove(1))).toBeNull();
    expect(screen.queryByTestId(T.add)).toBeNull();
  });

  it('starts a run, shows it running and polls until it finishes', async () => {
    let current = target(1);
    const api = fakeApi({
      'GET /api/v1/tenants/acme/targets': () => ({ items: [current] }),
      'GET /api/v1/tenants/acme/targets/1/runs': () => ({ items: current.last_run ? [current.last_run] : [] }),
      'POST /api/v1/tenants/acme/targets/1/runs': () => {
        current = { ...current, last_run: running(current) };
        return current.last_run;
      },
    });
    renderApp({ route: '/t/acme/targets', fetch: api.fetch, session: session([membership('operator')]) });
    fireEvent.click(await screen.findByTestId(T.runNow(1)));
    await screen.findByTestId(T.running(1));
    expect(screen.getByTestId(T.status(1)).textContent).toContain('running');
    expect(api.callsTo('POST', '/api/v1/tenants/acme/targets/1/runs')[0]!.headers.get('X-CSRF-Token')).toBe('csrf-123');

    // The run completes on the server; the page finds out by polling.
    current = { ...current, last_run: { ...current.last_run!, status: 'complete', finished_at: '2026-11-22T10:05:00Z' } };
    await waitFor(() => expect(screen.getByTestId(T.status(1)).textContent).toContain('complete'), { timeout: 5000 });
    expect(screen.queryByTestId(T.running(1))).toBeNull();
  }, 10_000);

  it('asks before deleting, then deletes', async () => {
    const api = fakeApi({
      'GET /api/v1/tenants/acme/targets': () => ({ items: [target(1)] }),
      'DELETE /api/v1/tenants/acme/targets/1': () => undefined,
    });
    renderApp({ route: '/t/acme/targets', fetch: api.fetch, session: session([membership('operator')]) });
    fireEvent.click(await screen.findByTestId(T.remove(1)));
    const modal = await screen.findByTestId(testIds.confirm.modal);
    expect(api.callsTo('DELETE', '/api/v1/tenants/acme/targets/1')).toHaveLength(0);
    fireEvent.click(within(modal).getByTestId(testIds.confirm.confirm));
    await waitFor(() => expect(api.callsTo('DELETE', '/api/v1/tenants/acme/targets/1')).toHaveLength(1));
  });
});

describe('registry targets', () => {
  const F = testIds.targetForm;
  const type = (id: string, value: string) => fireEvent.change(screen.getByTestId(id), { target: { value } });

  it('adds a registry target with its settings and credentials as JSON', async () => {
    const api = fakeApi({
      'GET /api/v1/tenants/acme/targets': () => ({ items: [] }),
      'POST /api/v1/tenants/acme/targets': ({ body }) => ({ ...target(5), ...(body as object) }),
    });
    renderApp({ route: '/t/acme/targets', fetch: api.fetch, session: session([membership('operator')]) });
    fireEvent.click(await screen.findByTestId(T.add));
    await screen.findByTestId(F.modal);
    type(F.kind, 'registry');
    type(F.name, 'harbor');
    type(F.url, 'https://registry.acme.example:5000/');
    type(F.repositories, 'team/a\n team/b ,\n');
    type(F.include, 'team/*');
    type(F.exclude, 'team/sandbox-*, scratch/*');
    fireEvent.click(screen.getByTestId(F.private));
    type(F.caBundle, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
    type(F.credentialsMode, 'basic');
    type(F.username, 'robot$palisade');
    type(F.password, 's3cr"et');
    fireEvent.click(screen.getByTestId(F.submit));
    await waitFor(() => expect(api.callsTo('POST', '/api/v1/tenants/acme/targets')).toHaveLength(1));
    const body = api.callsTo('POST', '/api/v1/tenants/acme/targets')[0]!.body as Record<string, unknown>;
    expect(body).toEqual({
      name: 'harbor',
      kind: 'registry',
      schedule: '1h',
      enabled: true,
      settings: {
        url: 'https://registry.acme.example:5000',
        repositories: 'team/a,team/b',
        include: 'team/*',
        exclude: 'team/sandbox-*,scratch/*',
        private: 'true',
        ca_bundle: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      },
      credentials: '{"username":"robot$palisade","password":"s3cr\\"et"}',
    });
    expect(JSON.parse(body.credentials as string)).toEqual({ username: 'robot$palisade', password: 's3cr"et' });
  });

  it('sends a token or a Docker config as the credentials JSON', async () => {
    const api = fakeApi({
      'GET /api/v1/tenants/acme/targets': () => ({ items: [] }),
      'POST /api/v1/tenants/acme/targets': ({ body }) => ({ ...target(5), ...(body as object) }),
    });
    renderApp({ route: '/t/acme/targets', fetch: api.fetch, session: session([membership('operator')]) });
    fireEvent.click(await screen.findByTestId(T.add));
    await screen.findByTestId(F.modal);
    type(F.kind, 'registry');
    type(F.name, 'ghcr');
    type(F.url, 'https://ghcr.io');
    type(F.credentialsMode, 'docker');
    type(F.dockerConfig, '{"auths": ');
    expect(screen.getByTestId(F.dockerConfigStatus).textContent).toContain('Not valid JSON');
    expect((screen.getByTestId(F.submit) as HTMLButtonElement).disabled).toBe(true);
    const config = '{"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNz"}}}';
    type(F.dockerConfig, config);
    fireEvent.click(screen.getByTestId(F.submit));
    await waitFor(() => expect(api.callsTo('POST', '/api/v1/tenants/acme/targets')).toHaveLength(1));
    const body = api.callsTo('POST', '/api/v1/tenants/acme/targets')[0]!.body as { credentials: string; settings: object };
    expect(JSON.parse(body.credentials)).toEqual({ dockerConfig: config });
    expect(body.settings).toEqual({ url: 'https://ghcr.io' });
  });

  it('refuses a registry URL with a path, and says why', async () => {
    const api = fakeApi({ 'GET /api/v1/tenants/acme/targets': () => ({ items: [] }) });
    renderApp({ route: '/t/acme/targets', fetch: api.fetch, session: session([membership('operator')]) });
    fireEvent.click(await screen.findByTestId(T.add));
    await screen.findByTestId(F.modal);
    type(F.kind, 'registry');
    type(F.name, 'hub');
    type(F.url, 'https://registry.acme.example/v2/team');
    expect(screen.getByTestId(F.urlStatus).textContent).toContain('No path (“/v2/team”)');
    expect((screen.getByTestId(F.submit) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId(F.submit));
    type(F.url, 'ftp://registry.acme.example');
    expect(screen.getByTestId(F.urlStatus).textContent).toContain('Start with https://');
    expect(api.callsTo('POST', '/api/v1/tenants/acme/targets')).toHaveLength(0);
  });

  it('shows a registry’s URL in the list and keeps its stored credentials on edit', async () => {
    const reg = target(2, { name: 'harbor', kind: 'registry', settings: { url: 'https://registry.acme.example', private: 'true' } });
    const api = fakeApi({
      'GET /api/v1/tenants/acme/targets': () => ({ items: [target(1, { settings: { context: 'prod-admin' } }), reg] }),
      'PATCH /api/v1/tenants/acme/targets/2': ({ body }) => ({ ...reg, ...(body as object) }),
    });
    renderApp({ route: '/t/acme/targets', fetch: api.fetch, session: session([membership('operator')]) });
    expect((await screen.findByTestId(T.location(2))).textContent).toBe('https://registry.acme.example');
    expect(screen.getByTestId(T.location(1)).textContent).toBe('context prod-admin');
    fireEvent.click(screen.getByTestId(T.edit(2)));
    await screen.findByTestId(F.modal);
    expect(screen.queryByTestId(F.kind)).toBeNull();
    expect((screen.getByTestId(F.private) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId(F.credentialsMode) as HTMLSelectElement).value).toBe('keep');
    type(F.name, 'harbor-prod');
    fireEvent.click(screen.getByTestId(F.submit));
    await waitFor(() => expect(api.callsTo('PATCH', '/api/v1/tenants/acme/targets/2')).toHaveLength(1));
    expect(api.callsTo('PATCH', '/api/v1/tenants/acme/targets/2')[0]!.body).toEqual({
      name: 'harbor-prod',
      schedule: '15m',
      enabled: true,
      settings: { url: 'https://registry.acme.example', private: 'true' },
    });
  });
});

describe('navigation by permission', () => {
  const cases: [Role, string[], string[]][] = [
    ['viewer', ['dashboard', 'findings', 'targets'], ['audit', 'settings']],
    ['auditor', ['audit', 'settings'], []],
    ['operator', ['findings'], ['audit', 'settings']],
  ];
  it.each(cases)('%s sees the right sections', async (role, shown, hidden) => {
    const api = fakeApi({ 'GET /api/v1/tenants/acme/targets': () => ({ items: [] }) });
    renderApp({ route: '/t/acme/targets', fetch: api.fetch, session: session([membership(role)]) });
    await screen.findByTestId(T.page);
    for (const k of shown) expect(screen.getByTestId(testIds.app.navItem(k))).toBeTruthy();
    for (const k of hidden) expect(screen.queryByTestId(testIds.app.navItem(k))).toBeNull();
  });

  it('explains instead of calling the API when a role opens the audit log by URL', async () => {
    const api = fakeApi({});
    renderApp({ route: '/t/acme/audit', fetch: api.fetch, session: session([membership('operator')]) });
    expect((await screen.findByTestId(testIds.app.error)).textContent).toContain('audit.read');
    expect(api.calls.filter((c) => c.path.includes('/audit'))).toHaveLength(0);
  });
});
