import { ExpandableSection, List, ListItem } from '@patternfly/react-core';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { EmptyMessage } from '../../components/EmptyMessage';
import { QueryState } from '../../components/QueryState';
import { formatDateTime, formatDuration } from '../../lib/format';
import { testIds } from '../../testids';
import { useRuns } from './api';
import { RunStatusLabel } from './RunStatusLabel';

const T = testIds.targets;

/** The target's last 20 runs, newest first, with the errors that made a run partial or failed. */
export function RunHistory({ tenant, target }: { tenant: string; target: number }) {
  const runs = useRuns(tenant, target, true);
  return (
    <div data-testid={T.runs(target)}>
      <QueryState query={runs} what="runs">
        {(items) =>
          items.length === 0 ? (
            <EmptyMessage title="No runs yet" />
          ) : (
            <InnerScrollContainer>
              <Table aria-label="Runs" variant="compact" className="pal-table">
                <Thead>
                  <Tr>
                    <Th>Run</Th>
                    <Th>Status</Th>
                    <Th>Started</Th>
                    <Th>Took</Th>
                    <Th>Assets</Th>
                    <Th>Evaluated</Th>
                    <Th>Failed</Th>
                    <Th info={{ tooltip: 'Findings opened, resolved and reopened by this run' }}>Opened / resolved / reopened</Th>
                    <Th width={30}>Errors</Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {items.map((r) => (
                    <Tr key={r.id} data-testid={T.runRow(r.id)}>
                      <Td dataLabel="Run">#{r.id}</Td>
                      <Td dataLabel="Status">
                        <RunStatusLabel run={r} />
                      </Td>
                      <Td dataLabel="Started" modifier="nowrap">
                        {formatDateTime(r.started_at)}
                      </Td>
                      <Td dataLabel="Took" modifier="nowrap">
                        {formatDuration(r.started_at, r.finished_at) ?? (r.status === 'running' ? 'running…' : '—')}
                      </Td>
                      <Td dataLabel="Assets">{r.assets}</Td>
                      <Td dataLabel="Evaluated">{r.evaluated}</Td>
                      <Td dataLabel="Failed">{r.failed}</Td>
                      <Td dataLabel="Opened / resolved / reopened">
                        {r.opened} / {r.resolved} / {r.reopened}
                      </Td>
                      <Td dataLabel="Errors">
                        {r.errors.length === 0 ? (
                          <span className="pal-muted">none</span>
                        ) : (
                          <ExpandableSection toggleText={`${r.errors.length} error${r.errors.length === 1 ? '' : 's'}`} isIndented>
                            <List isPlain className="pal-small">
                              {r.errors.map((e, i) => (
                                <ListItem key={i}>
                                  <code>{e.source}</code>: <span className="pal-break">{e.message}</span>
                                </ListItem>
                              ))}
                            </List>
                          </ExpandableSection>
                        )}
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            </InnerScrollContainer>
          )
        }
      </QueryState>
    </div>
  );
}
