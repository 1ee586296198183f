import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';
import { RankedScopes } from './RankedScopes';

const counts = (critical: number, high: number) => ({ critical, high, medium: 0, low: 0, info: 0 });

function scope(key: string, risk: number, open: number, target: number | null) {
  return {
    kind: 'owner',
    key,
    target_id: target,
    target_name: target ? 'prod' : '',
    compliance: 50,
    compliance_without_exceptions: 50,
    recommendations: 10,
    risk,
    risk_without_exceptions: risk,
    open,
    open_by_severity: counts(1, open - 1),
    evaluated: 20,
    failed: open,
    excepted: 0,
    not_applicable: 0,
    needs_attestation: 0,
  };
}

describe('RankedScopes', () => {
  it('lists owners as the API ranks them, each open count opening its findings, and says how many there are', async () => {
    const api = fakeApi({
      'GET /api/v1/tenants/acme/scores/scopes': () => ({ total: 12, items: [scope('team-pay', 45, 3, null), scope('', 10, 1, null)] }),
    });
    renderApp({ route: '/t/acme', fetch: api.fetch, ui: <RankedScopes tenant="acme" kind="owner" /> });
    const first = await screen.findByTestId(testIds.dashboard.rankedRow('owner-all-team-pay'));
    expect(within(first).getByRole('link', { name: '3' }).getAttribute('href')).toBe('/t/acme/findings?owner=team-pay');
    expect(first.textContent).toContain('45.0');
    expect(first.textContent).toContain('1 critical · 2 high');
    // Assets without an owner label cannot be filtered by owner: their count is not a link.
    const none = screen.getByTestId(testIds.dashboard.rankedRow('owner-all-(none)'));
    expect(within(none).queryByRole('link')).toBeNull();
    expect(none.textContent).toContain('(no owner label)');
    expect(screen.getByText(/the 2 worst of 12/)).toBeTruthy();
    expect(api.calls[0]?.url.searchParams.get('kind')).toBe('owner');
  });
});
