import { screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { leaveTo } from '../auth/browser';
import { loginUrl } from '../auth/login';
import { membership, session } from '../test/fixtures';
import { fakeApi, JsonResponse } from '../test/fakeApi';
import { renderApp } from '../test/render';
import { testIds } from '../testids';
import { SessionGate } from './SessionGate';

vi.mock('../auth/browser', () => ({
  leaveTo: vi.fn(),
  currentPathAndQuery: () => '/t/acme/findings?severity=high&q=a%26b',
}));

describe('loginUrl', () => {
  it('returns to the current path and query', () => {
    expect(loginUrl('/t/acme/findings?severity=high')).toBe('/auth/login?return_to=%2Ft%2Facme%2Ffindings%3Fseverity%3Dhigh');
  });
  it('never returns to another site', () => {
    expect(loginUrl('//evil.example/x')).toBe('/auth/login?return_to=%2F');
    expect(loginUrl('https://evil.example/')).toBe('/auth/login?return_to=%2F');
  });
});

describe('SessionGate', () => {
  beforeEach(() => vi.mocked(leaveTo).mockClear());

  it('sends the browser to sign in on 401, returning to where it was', async () => {
    const api = fakeApi({
      'GET /api/v1/session': () => new JsonResponse(401, { error: { code: 'unauthorized', message: 'sign in', request_id: 'r1' } }),
    });
    renderApp({ route: '/t/acme/findings', fetch: api.fetch, ui: <SessionGate>secret content</SessionGate> });
    await waitFor(() =>
      expect(leaveTo).toHaveBeenCalledWith('/auth/login?return_to=%2Ft%2Facme%2Ffindings%3Fseverity%3Dhigh%26q%3Da%2526b'),
    );
    expect(screen.queryByText('secret content')).toBeNull();
  });

  it('renders the app with a session', async () => {
    const api = fakeApi({ 'GET /api/v1/session': () => session([membership('viewer')]) });
    renderApp({ route: '/', fetch: api.fetch, ui: <SessionGate>signed in</SessionGate> });
    expect(await screen.findByText('signed in')).toBeTruthy();
    expect(leaveTo).not.toHaveBeenCalled();
  });

  it('shows any other failure with its request id instead of redirecting', async () => {
    const api = fakeApi({
      'GET /api/v1/session': () =>
        new JsonResponse(503, { error: { code: 'unavailable', message: 'database unreachable', request_id: 'req-503' } }),
    });
    renderApp({ route: '/', fetch: api.fetch, ui: <SessionGate>signed in</SessionGate> });
    expect(await screen.findByTestId(testIds.app.error)).toBeTruthy();
    expect(screen.getByTestId(testIds.app.errorMessage).textContent).toBe('database unreachable');
    expect(screen.getByTestId(testIds.app.errorRequestId).textContent).toBe('req-503');
    expect(leaveTo).not.toHaveBeenCalled();
  });

  it('redirects on a 401 from any later request too (the session expired)', async () => {
    const onUnauthorized = vi.fn();
    const api = fakeApi({
      'GET /api/v1/tenants/acme/targets': () => new JsonResponse(401, { error: { code: 'unauthorized', message: 'expired' } }),
      'GET /api/v1/tenants/acme/scores': () => new JsonResponse(401, { error: { code: 'unauthorized', message: 'expired' } }),
    });
    renderApp({ route: '/t/acme', fetch: api.fetch, session: session([membership('viewer')]), onUnauthorized });
    await waitFor(() => expect(onUnauthorized).toHaveBeenCalled());
  });
});

describe('routing by tenant', () => {
  it('sends / to the first tenant', async () => {
    const api = fakeApi({
      'GET /api/v1/tenants/globex/scores': () => ({ overall: { score: null, evaluated: 0, failed: 0 }, areas: [], targets: [] }),
      'GET /api/v1/tenants/globex/targets': () => ({ items: [] }),
    });
    renderApp({ route: '/', fetch: api.fetch, session: session([membership('viewer', 'globex', 'Globex'), membership('admin')]) });
    expect(await screen.findByTestId(testIds.dashboard.page)).toBeTruthy();
    expect(api.callsTo('GET', '/api/v1/tenants/globex/scores')).toHaveLength(1);
  });

  it('says so when the user has no tenant at all', async () => {
    const api = fakeApi({});
    renderApp({ route: '/', fetch: api.fetch, session: session([]) });
    expect(await screen.findByTestId(testIds.app.noTenant)).toBeTruthy();
    expect(screen.getByText('You have no access to any tenant')).toBeTruthy();
  });

  it('treats a tenant the user does not belong to as not found', async () => {
    renderApp({ route: '/t/globex/findings', fetch: fakeApi({}).fetch, session: session([membership('admin')]) });
    expect(await screen.findByTestId(testIds.app.tenantNotFound)).toBeTruthy();
  });
});
