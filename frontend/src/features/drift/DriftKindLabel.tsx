import { Label } from '@patternfly/react-core';
import type { DriftKind } from '../../api/types';

export const DRIFT_KIND_LABELS: Record<DriftKind, string> = {
  new_finding: 'new finding',
  regression: 'regression',
  resolved: 'resolved',
  score_drop: 'score drop',
  config_drift: 'config drift',
};

const colors: Record<DriftKind, 'red' | 'orange' | 'green' | 'purple' | 'blue'> = {
  new_finding: 'red',
  regression: 'orange',
  resolved: 'green',
  score_drop: 'purple',
  config_drift: 'blue',
};

export function DriftKindLabel({ kind, testId }: { kind: DriftKind; testId?: string }) {
  return (
    <Label isCompact color={colors[kind]} data-testid={testId}>
      {DRIFT_KIND_LABELS[kind]}
    </Label>
  );
}
