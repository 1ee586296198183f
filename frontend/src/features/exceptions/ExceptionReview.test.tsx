import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Exception, ExceptionReport } from '../../api/types';
import { membership, session, target } from '../../test/fixtures';
import { fakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.exceptions;

function exception(id: number, over: Partial<Exception> = {}): Exception {
  return {
    id,
    finding_id: null,
    check_id: 'k8s.privileged',
    target_id: null,
    namespace: '',
    label_selector: '',
    reason: 'vendor image',
    requested_by: 'omar@acme.example',
    approved_by: 'sam@acme.example',
    approved_at: '2026-11-01T10:00:00Z',
    status: 'approved',
    expires_at: '2026-11-30T00:00:00Z',
    created_at: '2026-11-01T09:00:00Z',
    ...over,
  };
}

function reviewApi() {
  const soon = exception(1, { namespace: 'shop' });
  const stale = exception(2, { finding_id: 40, check_id: 'k8s.host-path' });
  return fakeApi({
    'GET /api/v1/tenants/acme/exceptions': () => ({ items: [soon, stale] }),
    'GET /api/v1/tenants/acme/targets': () => ({ items: [target(1)] }),
    'GET /api/v1/tenants/acme/exceptions/report': ({ url }): ExceptionReport => {
      const days = Number(url.searchParams.get('within_days'));
      return {
        generated_at: '2026-11-22T00:00:00Z',
        within_days: days,
        expiring: days >= 14 ? [soon] : [],
        unmatched: [{ exception: stale, reason: 'its finding is resolved' }],
      };
    },
  });
}

describe('ExceptionReview', () => {
  it('lists exceptions expiring within the chosen window and those that cover nothing, with why', async () => {
    const api = reviewApi();
    renderApp({ route: '/t/acme/exceptions', fetch: api.fetch, session: session([membership('viewer')]) });
    const row = await screen.findByTestId(T.expiringRow(1), {}, { timeout: 15_000 });
    expect(row.textContent).toContain('k8s.privileged');
    expect(row.textContent).toContain('in namespace shop');
    const unmatched = screen.getByTestId(T.unmatchedRow(2));
    expect(unmatched.textContent).toContain('its finding is resolved');
    expect(within(unmatched).getByRole('link', { name: '#40' }).getAttribute('href')).toBe('/t/acme/findings/40');
    // A viewer may not revoke: no action is offered.
    expect(within(screen.getByTestId(T.review)).queryByRole('button', { name: 'Revoke' })).toBeNull();

    fireEvent.change(screen.getByTestId(T.reviewWindow), { target: { value: '7' } });
    await screen.findByText('No approved exception expires within 7 days.');
    expect(screen.queryByTestId(T.expiringRow(1))).toBeNull();
    const windows = api.callsTo('GET', '/api/v1/tenants/acme/exceptions/report').map((c) => c.url.searchParams.get('within_days'));
    expect(windows).toEqual(['14', '7']);
  });

  it('offers revocation to those who decide exceptions', async () => {
    renderApp({ route: '/t/acme/exceptions', fetch: reviewApi().fetch, session: session([membership('security-manager')]) });
    const row = await screen.findByTestId(T.unmatchedRow(2), {}, { timeout: 15_000 });
    fireEvent.click(within(row).getByRole('button', { name: 'Revoke' }));
    expect(await screen.findByText('Revoke exception #2?')).toBeTruthy();
  });
});
