import { Button, Flex, Tooltip } from '@patternfly/react-core';
import PlayIcon from '@patternfly/react-icons/dist/esm/icons/play-icon';
import type { Target } from '../../api/types';
import { useCan } from '../../auth/permissions';
import { testIds } from '../../testids';
import { isRunning } from './api';

const T = testIds.targets;

/** The row's actions; each shows only when the role may do it. */
export function TargetActions({
  target: t,
  onRun,
  runPending,
  onEdit,
  onToggle,
  onDelete,
}: {
  target: Target;
  onRun: () => void;
  runPending: boolean;
  onEdit: () => void;
  onToggle: () => void;
  onDelete: () => void;
}) {
  const can = useCan();
  const running = isRunning(t.last_run);
  return (
    <Flex gap={{ default: 'gapSm' }} flexWrap={{ default: 'nowrap' }}>
      {can('target.run') && (
        <Tooltip content={running ? 'A run is in progress' : 'Collect now, outside the schedule'}>
          <Button
            variant="secondary"
            size="sm"
            icon={<PlayIcon />}
            onClick={onRun}
            isAriaDisabled={running || runPending}
            isLoading={runPending}
            data-testid={T.runNow(t.id)}
            aria-label={`Run now: ${t.name}`}
          >
            Run now
          </Button>
        </Tooltip>
      )}
      {can('target.write') && (
        <>
          <Button variant="secondary" size="sm" onClick={onEdit} data-testid={T.edit(t.id)} aria-label={`Edit: ${t.name}`}>
            Edit
          </Button>
          <Button
            variant="secondary"
            size="sm"
            onClick={onToggle}
            data-testid={T.enable(t.id)}
            aria-label={`${t.enabled ? 'Disable' : 'Enable'}: ${t.name}`}
          >
            {t.enabled ? 'Disable' : 'Enable'}
          </Button>
          <Button variant="link" isDanger size="sm" onClick={onDelete} data-testid={T.remove(t.id)} aria-label={`Delete: ${t.name}`}>
            Delete
          </Button>
        </>
      )}
    </Flex>
  );
}
