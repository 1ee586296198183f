import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ScoreExplanation } from '../../api/types';
import { fakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';
import { TopChecks } from './TopChecks';

const explanation: ScoreExplanation = {
  target_id: 3,
  run_id: 9,
  model: 3,
  scope: 'overall',
  key: '',
  compliance: 61.5,
  compliance_without_exceptions: 61.5,
  recommendations: 40,
  risk: 27,
  risk_without_exceptions: 27,
  open: 3,
  open_by_severity: { critical: 2, high: 1, medium: 0, low: 0, info: 0 },
  evaluated: 40,
  failed: 3,
  excepted: 0,
  not_applicable: 2,
  needs_attestation: 5,
  recommendation_scores: [],
  contributors: [
    { check_id: 'k8s.privileged', severity: 'critical', failed: 2, risk: 20 },
    { check_id: 'k8s.run-as-root', severity: 'high', failed: 1, risk: 7 },
  ],
};

describe('TopChecks', () => {
  it('lists the checks adding the most risk, each linking to its open findings on the target', async () => {
    const api = fakeApi({ 'GET /api/v1/checks': () => ({ items: [] }) });
    renderApp({ route: '/t/acme', fetch: api.fetch, ui: <TopChecks tenant="acme" target={3} explanation={explanation} /> });
    const check = screen.getByTestId(testIds.dashboard.topCheckRow('k8s.privileged'));
    const links = within(check).getAllByRole('link');
    expect(links.map((l) => l.getAttribute('href'))).toEqual([
      '/t/acme/findings?check=k8s.privileged&target=3',
      '/t/acme/findings?check=k8s.privileged&target=3',
    ]);
    expect(links[1]?.textContent).toBe('2');
    expect(check.textContent).toContain('+20.0');
    expect(within(screen.getByTestId(testIds.dashboard.topCheckRow('k8s.run-as-root'))).getByText('+7.0')).toBeTruthy();
  });
});
