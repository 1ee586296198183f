import { Alert, List, ListItem } from '@patternfly/react-core';
import { Link } from 'react-router';
import type { Target } from '../../api/types';
import { formatAge, formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';

/** Stale targets make every number on the page older than it looks: say so first. */
export function StaleTargetsAlert({ tenant, targets }: { tenant: string; targets: Target[] }) {
  const stale = targets.filter((t) => t.stale);
  if (stale.length === 0) return null;
  return (
    <Alert
      variant="warning"
      isInline
      data-testid={testIds.dashboard.staleAlert}
      title={`${stale.length} target${stale.length === 1 ? ' is' : 's are'} stale: scores below may be out of date`}
    >
      <List isPlain>
        {stale.map((t) => (
          <ListItem key={t.id}>
            <strong>{t.name}</strong>:{' '}
            {t.last_complete_at
              ? `last complete run ${formatAge(t.last_complete_at)} (${formatDateTime(t.last_complete_at)})`
              : 'no run has completed'}
            {t.last_run && t.last_run.status !== 'complete' && `; last run ${t.last_run.status}`}
          </ListItem>
        ))}
      </List>
      <Link to={`/t/${tenant}/targets`}>Check the targets and their runs</Link>
    </Alert>
  );
}
