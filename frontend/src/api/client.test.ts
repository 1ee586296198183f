import { describe, expect, it } from 'vitest';
import { fakeApi, JsonResponse } from '../test/fakeApi';
import { createApiClient, unwrap } from './client';
import { ApiError } from './errors';

const ORIGIN = 'http://palisade.test';

describe('API client', () => {
  it('sends X-CSRF-Token on every state-changing request, and not on reads', async () => {
    const api = fakeApi({
      'GET /api/v1/tenants/acme/exceptions': () => ({ items: [] }),
      'POST /api/v1/tenants/acme/findings/triage': () => ({ items: [] }),
      'PATCH /api/v1/tenants/acme/targets/3': () => ({}),
      'DELETE /api/v1/tenants/acme/targets/3': () => undefined,
      'DELETE /api/v1/session': () => ({ logout_url: '/' }),
    });
    let token = 'first-token';
    const client = createApiClient({ baseUrl: ORIGIN, fetch: api.fetch, csrfToken: () => token });
    const tenant = { path: { tenant: 'acme' } };
    await unwrap(client.GET('/api/v1/tenants/{tenant}/exceptions', { params: tenant }));
    await unwrap(client.POST('/api/v1/tenants/{tenant}/findings/triage', { params: tenant, body: { ids: [1], triage: 'acknowledged' } }));
    token = 'rotated-token'; // read at request time, not when the client was made
    await unwrap(
      client.PATCH('/api/v1/tenants/{tenant}/targets/{id}', { params: { path: { tenant: 'acme', id: 3 } }, body: { enabled: false } }),
    );
    await unwrap(client.DELETE('/api/v1/tenants/{tenant}/targets/{id}', { params: { path: { tenant: 'acme', id: 3 } } }));
    await unwrap(client.DELETE('/api/v1/session'));

    const csrf = api.calls.map((c) => [c.method, c.headers.get('X-CSRF-Token')]);
    expect(csrf).toEqual([
      ['GET', null],
      ['POST', 'first-token'],
      ['PATCH', 'rotated-token'],
      ['DELETE', 'rotated-token'],
      ['DELETE', 'rotated-token'],
    ]);
    expect(api.calls[1]?.body).toEqual({ ids: [1], triage: 'acknowledged' });
  });

  it('serializes list parameters comma-separated, as the spec says (explode: false)', async () => {
    const api = fakeApi({ 'GET /api/v1/tenants/acme/findings': () => ({ items: [], next_cursor: '' }) });
    const client = createApiClient({ baseUrl: ORIGIN, fetch: api.fetch, csrfToken: () => undefined });
    await unwrap(
      client.GET('/api/v1/tenants/{tenant}/findings', {
        params: { path: { tenant: 'acme' }, query: { status: ['open', 'suppressed'], triage: ['new'], q: 'a b&c' } },
      }),
    );
    const url = api.calls[0]!.url;
    expect(url.searchParams.get('status')).toBe('open,suppressed');
    expect(url.searchParams.get('q')).toBe('a b&c');
  });

  it('turns an error body into an ApiError with message, code and request id', async () => {
    const api = fakeApi({
      'POST /api/v1/tenants/acme/targets/3/runs': () =>
        new JsonResponse(403, { error: { code: 'forbidden', message: 'your role may not start runs', request_id: 'req-42' } }),
    });
    const client = createApiClient({ baseUrl: ORIGIN, fetch: api.fetch, csrfToken: () => 't' });
    const err = await unwrap(
      client.POST('/api/v1/tenants/{tenant}/targets/{id}/runs', { params: { path: { tenant: 'acme', id: 3 } } }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, code: 'forbidden', message: 'your role may not start runs', requestId: 'req-42' });
  });

  it('reports an unreachable server as a network error', async () => {
    const client = createApiClient({
      baseUrl: ORIGIN,
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      csrfToken: () => undefined,
    });
    const err = await unwrap(client.GET('/api/v1/session')).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: 'network' });
  });
});
