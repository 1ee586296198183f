import { Label, Spinner } from '@patternfly/react-core';
import type { Run } from '../../api/types';

const colors = { complete: 'green', partial: 'orange', failed: 'red', running: 'blue' } as const;

export function RunStatusLabel({ run, testId }: { run: Pick<Run, 'status' | 'errors'>; testId?: string }) {
  return (
    <Label
      isCompact
      color={colors[run.status]}
      data-testid={testId}
      icon={run.status === 'running' ? <Spinner size="sm" aria-label="Running" /> : undefined}
    >
      {run.status}
      {run.errors.length > 0 && ` · ${run.errors.length} error${run.errors.length === 1 ? '' : 's'}`}
    </Label>
  );
}
