import { EmptyMessage } from '../../components/EmptyMessage';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { useFindingHistory } from './api';

/** Lifecycle and triage events, oldest first, as a timeline (it sits in a narrow column). */
export function FindingHistory({ tenant, id }: { tenant: string; id: number }) {
  const history = useFindingHistory(tenant, id);
  return (
    <QueryState query={history} what="the finding's history">
      {(data) =>
        data.items.length === 0 ? (
          <EmptyMessage title="No events recorded" />
        ) : (
          <ol className="pal-timeline" data-testid={testIds.finding.history} aria-label="History">
            {data.items.map((e) => (
              <li key={e.id} data-testid={testIds.finding.historyRow(e.id)}>
                <div>
                  <span className="pal-strong">{e.kind.replace('_', ' ')}</span>
                  <span className="pal-muted pal-small">
                    {' '}
                    · {formatDateTime(e.at)} · {e.actor || 'system'}
                    {e.run_id !== null && ` · run #${e.run_id}`}
                  </span>
                </div>
                {e.note && <div className="pal-prewrap pal-break pal-small">{e.note}</div>}
              </li>
            ))}
          </ol>
        )
      }
    </QueryState>
  );
}
