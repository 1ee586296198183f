import { Label, Tooltip } from '@patternfly/react-core';
import ClockIcon from '@patternfly/react-icons/dist/esm/icons/outlined-clock-icon';
import { formatAge, formatDateTime } from '../lib/format';

/** Flags data older than its schedule allows, with its age. */
export function StaleLabel({ lastComplete, testId }: { lastComplete: string | null; testId?: string }) {
  const text = lastComplete ? `stale: last complete run ${formatAge(lastComplete)}` : 'stale: never completed';
  return (
    <Tooltip content={lastComplete ? `Last complete run ${formatDateTime(lastComplete)}` : 'No run has completed'}>
      <Label isCompact color="orange" icon={<ClockIcon />} data-testid={testId} tabIndex={0}>
        {text}
      </Label>
    </Tooltip>
  );
}
