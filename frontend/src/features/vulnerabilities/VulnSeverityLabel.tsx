import { Label } from '@patternfly/react-core';
import QuestionCircleIcon from '@patternfly/react-icons/dist/esm/icons/question-circle-icon';
import type { VulnSeverity } from '../../api/types';

const colors: Record<Exclude<VulnSeverity, 'unknown'>, 'red' | 'orangered' | 'orange' | 'yellow'> = {
  critical: 'red',
  high: 'orangered',
  medium: 'orange',
  low: 'yellow',
};

/**
 * A vulnerability's severity. "unknown" (the advisory gives none) is an outlined label with a
 * question mark, never coloured like low: it may well be serious.
 */
export function VulnSeverityLabel({ severity, testId }: { severity: VulnSeverity; testId?: string }) {
  if (severity === 'unknown')
    return (
      <Label
        isCompact
        variant="outline"
        icon={<QuestionCircleIcon />}
        data-testid={testId}
        title="The advisory gives no severity: judge it yourself, it may be serious"
      >
        unknown
      </Label>
    );
  return (
    <Label isCompact color={colors[severity]} data-testid={testId}>
      {severity}
    </Label>
  );
}
