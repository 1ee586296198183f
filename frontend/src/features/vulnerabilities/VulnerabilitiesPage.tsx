import { Button, Content, Flex, FlexItem, PageSection } from '@patternfly/react-core';
import { useTenant } from '../../auth/permissions';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { PagerControls } from '../../components/PagerControls';
import { firstPage, nextPage, pageNumber, previousPage } from '../../lib/cursorStack';
import { testIds } from '../../testids';
import { useTargets } from '../targets/api';
import { ActiveVulnFilters } from './ActiveVulnFilters';
import { AdvisoryFreshness } from './AdvisoryFreshness';
import { useVulnerabilitiesPage } from './api';
import { summarizeFeeds } from './feedFreshness';
import { VexStatements } from './VexStatements';
import { VulnerabilitiesEmpty } from './VulnerabilitiesEmpty';
import { VulnerabilitiesTable } from './VulnerabilitiesTable';
import { hasVulnFilters, type VulnFilters } from './vulnFilters';
import { VulnFiltersToolbar } from './VulnFiltersToolbar';
import { useVulnList } from './useVulnList';

const T = testIds.vulnerabilities;

export function VulnerabilitiesPage() {
  const tenant = useTenant();
  usePageTitle('Vulnerabilities', tenant.name);
  // Filters and the page position live in the URL, so a page of the list can be shared.
  const [{ filters, stack }, setList] = useVulnList();
  const targets = useTargets(tenant.slug);
  const page = useVulnerabilitiesPage(tenant.slug, filters, stack.current);
  const items = page.data?.items ?? [];
  const nextCursor = page.data?.next_cursor ?? '';
  const filtered = hasVulnFilters(filters);
  const apply = (f: VulnFilters) => setList({ filters: f, stack: firstPage });

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Vulnerabilities"
        description="Known vulnerabilities of the tenant's images: their SBOMs' packages matched with the OSV advisory database, worst first. Every filter is in the address bar."
      />
      <PageSection>
        <VulnFiltersToolbar filters={filters} targets={targets.data} onChange={apply} />
        <ActiveVulnFilters filters={filters} targets={targets.data} onChange={apply} />
        {filtered && (
          <Button variant="link" isInline onClick={() => apply({})} data-testid={T.clearFilters}>
            Clear all filters
          </Button>
        )}
        {filters.severity && (
          <Content component="p" className="pal-small pal-muted" data-testid={T.unknownHidden}>
            Vulnerabilities of unknown severity are hidden by a minimum severity; they may be serious.
          </Content>
        )}
      </PageSection>
      <PageSection>
        {page.isPending ? (
          <LoadingState label="Loading vulnerabilities" />
        ) : page.isError ? (
          <ErrorState error={page.error} what="vulnerabilities" onRetry={() => void page.refetch()} />
        ) : (
          <>
            <AdvisoryFreshness feeds={page.data.advisory_data} subject="These results" />
            {items.length === 0 ? (
              <VulnerabilitiesEmpty
                tenant={tenant.slug}
                freshness={summarizeFeeds(page.data.advisory_data)}
                laterPage={stack.previous.length > 0}
                filtered={filtered}
              />
            ) : (
              <div className={page.isPlaceholderData ? 'pal-stale-data' : undefined} aria-busy={page.isFetching}>
                <VulnerabilitiesTable tenant={tenant.slug} items={items} />
              </div>
            )}
          </>
        )}
        <Flex justifyContent={{ default: 'justifyContentFlexEnd' }}>
          <FlexItem>
            <PagerControls
              page={pageNumber(stack)}
              shown={items.length}
              noun="rows"
              hasPrevious={stack.previous.length > 0}
              hasNext={nextCursor !== '' && !page.isPlaceholderData}
              isFetching={page.isFetching}
              onPrevious={() => setList({ filters, stack: previousPage(stack) })}
              onNext={() => setList({ filters, stack: nextPage(stack, nextCursor) })}
              testIds={{ prev: T.prevPage, next: T.nextPage, page: T.pageNumber }}
            />
          </FlexItem>
        </Flex>
      </PageSection>
      <PageSection>
        <VexStatements
          tenant={tenant.slug}
          title="VEX statements"
          empty="No vulnerability is declared not affecting this tenant's images. Declare one from a vulnerability's page."
        />
      </PageSection>
    </div>
  );
}
