import { Label } from '@patternfly/react-core';
import type { Recommendation } from '../../api/types';

const look: Record<Recommendation['status'], { color: 'green' | 'red' | 'grey' | 'blue' | 'orange'; text: string }> = {
  passing: { color: 'green', text: 'passing' },
  failing: { color: 'red', text: 'failing' },
  not_evaluated: { color: 'grey', text: 'not evaluated' },
  attested: { color: 'blue', text: 'attested' },
  needs_attestation: { color: 'orange', text: 'needs attestation' },
};

export const CSA_STATUSES = Object.keys(look) as Recommendation['status'][];

export function csaStatusText(s: Recommendation['status']): string {
  return look[s].text;
}

export function CsaStatusLabel({ status, testId }: { status: Recommendation['status']; testId?: string }) {
  return (
    <Label isCompact color={look[status].color} data-testid={testId}>
      {look[status].text}
    </Label>
  );
}
