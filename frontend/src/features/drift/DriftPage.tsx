import { useState } from 'react';
import { Button, FormSelect, FormSelectOption, PageSection, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import { DRIFT_KINDS, isOneOf } from '../../api/enums';
import type { DriftEvent, DriftKind } from '../../api/types';
import { useTenant } from '../../auth/permissions';
import { EmptyMessage } from '../../components/EmptyMessage';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { RelativeTime } from '../../components/RelativeTime';
import { SeverityLabel } from '../../components/SeverityLabel';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';
import { useDrift } from './api';
import { DriftChanges } from './DriftChanges';
import { DRIFT_KIND_LABELS, DriftKindLabel } from './DriftKindLabel';

const T = testIds.drift;

/** The events of the loaded pages, newest first. */
export function visibleDrift(pages: { items: DriftEvent[] }[]): DriftEvent[] {
  return pages.flatMap((p) => p.items).sort((a, b) => b.id - a.id);
}

export function DriftPage() {
  const tenant = useTenant();
  usePageTitle('Drift', tenant.name);
  const [kind, setKind] = useState<DriftKind | ''>('');
  const drift = useDrift(tenant.slug, kind);

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Drift"
        description="What changed from one run to the next: new findings, regressions, resolutions, score drops and changes to watched configuration (security contexts, image digests behind tags, RBAC bindings, classification labels, deleted NetworkPolicies and backup Schedules), newest first."
      />
      <PageSection>
        <QueryState query={drift} what="drift events">
          {(data) => {
            const shown = visibleDrift(data.pages);
            return (
              <>
                <Toolbar inset={{ default: 'insetNone' }}>
                  <ToolbarContent>
                    <ToolbarItem>
                      <FormSelect
                        aria-label="Kind"
                        value={kind}
                        onChange={(_e, v) => setKind(isOneOf(DRIFT_KINDS, v) ? v : '')}
                        data-testid={T.kindFilter}
                        className="pal-select"
                      >
                        <FormSelectOption value="" label="All kinds" />
                        {DRIFT_KINDS.map((k) => (
                          <FormSelectOption key={k} value={k} label={DRIFT_KIND_LABELS[k]} />
                        ))}
                      </FormSelect>
                    </ToolbarItem>
                  </ToolbarContent>
                </Toolbar>
                {shown.length === 0 ? (
                  <EmptyMessage title={kind ? `No ${DRIFT_KIND_LABELS[kind]} events` : 'No drift yet'}>
                    {kind ? null : 'Events appear after the second complete run of a target.'}
                  </EmptyMessage>
                ) : (
                  <InnerScrollContainer>
                    <Table aria-label="Drift events" variant="compact" data-testid={T.feed} className="pal-table">
                      <Thead>
                        <Tr>
                          <Th>When</Th>
                          <Th>Kind</Th>
                          <Th>Severity</Th>
                          <Th width={30}>Summary</Th>
                          <Th>Check</Th>
                          <Th>Asset</Th>
                          <Th>Run</Th>
                        </Tr>
                      </Thead>
                      <Tbody>
                        {shown.map((e) => (
                          <Tr key={e.id} data-testid={T.event(e.id)}>
                            <Td dataLabel="When" modifier="nowrap" className="pal-small">
                              <RelativeTime at={e.created_at} />
                            </Td>
                            <Td dataLabel="Kind" modifier="nowrap">
                              <DriftKindLabel kind={e.kind} testId={T.kind(e.id)} />
                            </Td>
                            <Td dataLabel="Severity">
                              <SeverityLabel severity={e.severity} />
                            </Td>
                            <Td dataLabel="Summary" className="pal-small pal-break">
                              {e.summary}
                              <DriftChanges eventId={e.id} changes={e.changes} />
                            </Td>
                            <Td dataLabel="Check" className="pal-small">
                              {e.check_id ? (
                                <Link to={findingsHref(tenant.slug, { check: [e.check_id] })} data-testid={T.checkLink(e.id)}>
                                  <code>{e.check_id}</code>
                                </Link>
                              ) : (
                                <span className="pal-muted">—</span>
                              )}
                            </Td>
                            <Td dataLabel="Asset" className="pal-small pal-break">
                              {e.asset_key || <span className="pal-muted">—</span>}
                            </Td>
                            <Td dataLabel="Run" className="pal-small">
                              #{e.run_id}
                            </Td>
                          </Tr>
                        ))}
                      </Tbody>
                    </Table>
                  </InnerScrollContainer>
                )}
                <p className="pal-small pal-muted">
                  {shown.length} {shown.length === 1 ? 'event' : 'events'} loaded.{' '}
                  {drift.hasNextPage ? (
                    <Button
                      variant="link"
                      isInline
                      onClick={() => void drift.fetchNextPage()}
                      isLoading={drift.isFetchingNextPage}
                      data-testid={T.loadMore}
                    >
                      Load more
                    </Button>
                  ) : shown.length ? (
                    'That is the oldest event.'
                  ) : null}
                </p>
              </>
            );
          }}
        </QueryState>
      </PageSection>
    </div>
  );
}
