import { useState } from 'react';
import { Button, Flex, FlexItem, PageSection, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { useCan, useTenant } from '../../auth/permissions';
import { EmptyMessage } from '../../components/EmptyMessage';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { PagerControls } from '../../components/PagerControls';
import { firstPage, nextPage, pageNumber, previousPage, type CursorStack } from '../../lib/cursorStack';
import { testIds } from '../../testids';
import { useTargets } from '../targets/api';
import { CreateTicketModal } from '../tickets/CreateTicketModal';
import { useFindingsPage } from './api';
import { filtersToSearch, hasFilters } from './filters';
import { FindingsTable } from './FindingsTable';
import { FindingsToolbar } from './FindingsToolbar';
import { RequestExceptionModal } from './RequestExceptionModal';
import { TriageModal } from './TriageModal';
import { useFindingFilters } from './useFindingFilters';

const T = testIds.findings;

export function FindingsPage() {
  const tenant = useTenant();
  const can = useCan();
  usePageTitle('Findings', tenant.name);
  const [filters, setFilters] = useFindingFilters();
  const filterKey = filtersToSearch(filters).toString();

  // The cursor stack belongs to one filter set; a new filter starts again at page 1.
  const [pager, setPager] = useState<{ key: string; stack: CursorStack }>({ key: filterKey, stack: firstPage });
  const stack = pager.key === filterKey ? pager.stack : firstPage;
  const [selected, setSelected] = useState<{ key: string; ids: Set<number> }>({ key: '', ids: new Set() });
  const selectionKey = `${filterKey}|${stack.current}`;
  const selectedIds = selected.key === selectionKey ? selected.ids : new Set<number>();
  const [dialog, setDialog] = useState<'triage' | 'exception' | 'ticket' | null>(null);

  const targets = useTargets(tenant.slug);
  const page = useFindingsPage(tenant.slug, filters, stack.current);
  const items = page.data?.items ?? [];
  const nextCursor = page.data?.next_cursor ?? '';
  const canTriage = can('finding.triage');
  const canRequest = can('exception.request');

  const select = (ids: number[], on: boolean) => {
    const next = new Set(selectedIds);
    for (const id of ids) {
      if (on) next.add(id);
      else next.delete(id);
    }
    setSelected({ key: selectionKey, ids: next });
  };
  const selectedFindings = items.filter((f) => selectedIds.has(f.id));

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Findings"
        description="Failed checks tracked across runs. Every filter is in the address bar: copy the link to share this view."
      />
      <PageSection>
        <FindingsToolbar filters={filters} targets={targets.data} onChange={setFilters} />
        {(canTriage || canRequest) && (
          <Toolbar className="pal-bulkbar" inset={{ default: 'insetNone' }}>
            <ToolbarContent>
              <ToolbarItem data-testid={T.selectionCount} aria-live="polite">
                {selectedIds.size} selected on this page
              </ToolbarItem>
              {canTriage && (
                <ToolbarItem>
                  <Button
                    variant="secondary"
                    size="sm"
                    isDisabled={selectedIds.size === 0}
                    onClick={() => setDialog('triage')}
                    data-testid={T.bulkTriage}
                  >
                    Triage…
                  </Button>
                </ToolbarItem>
              )}
              {canTriage && (
                <ToolbarItem>
                  <Button
                    variant="secondary"
                    size="sm"
                    isDisabled={selectedIds.size === 0}
                    onClick={() => setDialog('ticket')}
                    data-testid={T.createTicket}
                  >
                    Create ticket…
                  </Button>
                </ToolbarItem>
              )}
              {canRequest && (
                <ToolbarItem>
                  <Button
                    variant="secondary"
                    size="sm"
                    isDisabled={selectedIds.size === 0}
                    onClick={() => setDialog('exception')}
                    data-testid={T.requestException}
                  >
                    Request exception…
                  </Button>
                </ToolbarItem>
              )}
            </ToolbarContent>
          </Toolbar>
        )}
        {page.isPending ? (
          <LoadingState label="Loading findings" />
        ) : page.isError ? (
          <ErrorState error={page.error} what="findings" onRetry={() => void page.refetch()} />
        ) : items.length === 0 ? (
          <EmptyMessage title={stack.previous.length ? 'No more findings' : 'No findings match'}>
            {hasFilters(filters)
              ? 'Nothing matches these filters. Remove a filter above to see more.'
              : 'No open findings: every evaluated check passes.'}
          </EmptyMessage>
        ) : (
          <div className={page.isPlaceholderData ? 'pal-stale-data' : undefined} aria-busy={page.isFetching}>
            <FindingsTable
              tenant={tenant.slug}
              findings={items}
              selectable={canTriage || canRequest}
              selected={selectedIds}
              onSelect={select}
              sort={filters.sort}
              onSort={(sort) => setFilters({ ...filters, sort })}
            />
          </div>
        )}
        <Flex justifyContent={{ default: 'justifyContentFlexEnd' }}>
          <FlexItem>
            <PagerControls
              page={pageNumber(stack)}
              shown={items.length}
              noun="findings"
              hasPrevious={stack.previous.length > 0}
              hasNext={nextCursor !== '' && !page.isPlaceholderData}
              isFetching={page.isFetching}
              onPrevious={() => setPager({ key: filterKey, stack: previousPage(stack) })}
              onNext={() => setPager({ key: filterKey, stack: nextPage(stack, nextCursor) })}
              testIds={{ prev: T.prevPage, next: T.nextPage, page: T.pageNumber }}
            />
          </FlexItem>
        </Flex>
      </PageSection>
      {dialog === 'triage' && (
        <TriageModal
          tenant={tenant.slug}
          ids={[...selectedIds]}
          onClose={(changed) => {
            setDialog(null);
            if (changed) setSelected({ key: '', ids: new Set() });
          }}
        />
      )}
      {dialog === 'ticket' && <CreateTicketModal tenant={tenant.slug} ids={[...selectedIds]} onClose={() => setDialog(null)} />}
      {dialog === 'exception' && (
        <RequestExceptionModal tenant={tenant.slug} findings={selectedFindings} targets={targets.data} onClose={() => setDialog(null)} />
      )}
    </div>
  );
}
