import { Label } from '@patternfly/react-core';
import type { Severity } from '../api/types';

const colors: Record<Severity, 'red' | 'orangered' | 'orange' | 'yellow' | 'grey'> = {
  critical: 'red',
  high: 'orangered',
  medium: 'orange',
  low: 'yellow',
  info: 'grey',
};

export function SeverityLabel({ severity, testId }: { severity: Severity; testId?: string }) {
  return (
    <Label isCompact color={colors[severity]} data-testid={testId}>
      {severity}
    </Label>
  );
}
