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
