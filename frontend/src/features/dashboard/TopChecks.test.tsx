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
  scope: 'overall',
  key: '',
  score: 61.5,
  score_without_exceptions: 61.5,
  evaluated: 40,
  failed: 12,
  contributors: [
    { check_id: 'k8s.privileged', severity: 'critical', failed: 2, points_lost: 9.1 },
    { check_id: 'csa-attestation:3.1.4.3', severity: 'medium', failed: 1, points_lost: 2.4 },
  ],
};

describe('TopChecks', () => {
  it('links a check to its findings and a missing attestation to the CSA view', async () => {
    const api = fakeApi({ 'GET /api/v1/checks': () => ({ items: [] }) });
    renderApp({ route: '/t/acme', fetch: api.fetch, ui: <TopChecks tenant="acme" target={3} explanation={explanation} /> });
    const check = screen.getByTestId(testIds.dashboard.topCheckRow('k8s.privileged'));
    expect(within(check).getAllByRole('link')[0]?.getAttribute('href')).toBe('/t/acme/findings?check=k8s.privileged&target=3');
    const att = screen.getByTestId(testIds.dashboard.topCheckRow('csa-attestation:3.1.4.3'));
    const links = within(att).getAllByRole('link');
    expect(links[0]?.textContent).toBe('Attestation missing for CSA 3.1.4.3');
    expect(links.map((l) => l.getAttribute('href'))).toEqual(['/t/acme/csa#csa-3.1.4.3', '/t/acme/csa#csa-3.1.4.3']);
  });
});
