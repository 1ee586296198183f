import { Button, Flex, Tooltip } from '@patternfly/react-core';
import PlayIcon from '@patternfly/react-icons/dist/esm/icons/play-icon';
import type { Target } from '../../api/types';
import { useCan } from '../../auth/permissions';
import { RowActions } from '../../components/RowActions';
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
        <RowActions
          name={t.name}
          enabled={t.enabled}
          testIds={{ edit: T.edit(t.id), toggle: T.enable(t.id), remove: T.remove(t.id) }}
          onEdit={onEdit}
          onToggle={onToggle}
          onDelete={onDelete}
        />
      )}
    </Flex>
  );
}
