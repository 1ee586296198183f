import { useState } from 'react';
import { Button, Flex, FlexItem, Form, PageSection, TextInput, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { Link, useSearchParams } from 'react-router';
import { useCan, useTenant } from '../../auth/permissions';
import { EmptyMessage } from '../../components/EmptyMessage';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { PagerControls } from '../../components/PagerControls';
import { firstPage, nextPage, pageNumber, previousPage } from '../../lib/cursorStack';
import { testIds } from '../../testids';
import { useImagesPage } from './api';
import { imageListToSearch, parseImageList, type ImageFilters } from './imageFilters';
import { ImagesTable } from './ImagesTable';

const T = testIds.images;

export function ImagesPage() {
  const tenant = useTenant();
  const can = useCan();
  usePageTitle('Images', tenant.name);
  // Filters and the page position live in the URL, so a page of the list can be shared.
  const [search, setSearch] = useSearchParams();
  const { filters, stack } = parseImageList(search);
  const [draft, setDraft] = useState<{ registry: string; repository: string }>({
    registry: filters.registry ?? '',
    repository: filters.repository ?? '',
  });
  const page = useImagesPage(tenant.slug, filters, stack.current);
  const items = page.data?.items ?? [];
  const nextCursor = page.data?.next_cursor ?? '';
  const filtered = Boolean(filters.registry || filters.repository);

  const apply = (f: ImageFilters) => setSearch(imageListToSearch({ filters: f, stack: firstPage }));

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Images"
        description="Images known by digest: those in registries with a target, and those the clusters run. The signature verdict is the tenant's trust policy applied at the image's last collection."
      />
      <PageSection>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            apply({ registry: draft.registry.trim() || undefined, repository: draft.repository.trim() || undefined });
          }}
        >
          <Toolbar inset={{ default: 'insetNone' }}>
            <ToolbarContent>
              <ToolbarItem>
                <TextInput
                  aria-label="Registry host"
                  placeholder="Registry host, e.g. registry.example.com"
                  value={draft.registry}
                  onChange={(_e, v) => setDraft((d) => ({ ...d, registry: v }))}
                  data-testid={T.registry}
                />
              </ToolbarItem>
              <ToolbarItem>
                <TextInput
                  aria-label="Repository"
                  placeholder="Repository, e.g. team/web"
                  value={draft.repository}
                  onChange={(_e, v) => setDraft((d) => ({ ...d, repository: v }))}
                  data-testid={T.repository}
                />
              </ToolbarItem>
              <ToolbarItem>
                <Button type="submit" variant="secondary" data-testid={T.applyFilters}>
                  Apply
                </Button>
              </ToolbarItem>
              {filtered && (
                <ToolbarItem>
                  <Button
                    variant="link"
                    onClick={() => {
                      setDraft({ registry: '', repository: '' });
                      apply({});
                    }}
                    data-testid={T.clearFilters}
                  >
                    Clear filters
                  </Button>
                </ToolbarItem>
              )}
            </ToolbarContent>
          </Toolbar>
        </Form>
        {page.isPending ? (
          <LoadingState label="Loading images" />
        ) : page.isError ? (
          <ErrorState error={page.error} what="images" onRetry={() => void page.refetch()} />
        ) : items.length === 0 ? (
          stack.previous.length ? (
            <EmptyMessage title="No more images" />
          ) : filtered ? (
            <EmptyMessage title="No images match">Nothing matches these filters; clear them to see every image.</EmptyMessage>
          ) : (
            <EmptyMessage title="No images yet">
              Images appear here after a collection: add a <strong>registry target</strong> to inventory a registry, or collect a{' '}
              <strong>cluster target</strong> whose images come from a registry that has a target (its running digests are inspected through
              that target).{' '}
              {can('target.write') ? <Link to={`/t/${tenant.slug}/targets`}>Add a target</Link> : 'Ask an operator to add one.'}
            </EmptyMessage>
          )
        ) : (
          <div className={page.isPlaceholderData ? 'pal-stale-data' : undefined} aria-busy={page.isFetching}>
            <ImagesTable tenant={tenant.slug} images={items} />
          </div>
        )}
        <Flex justifyContent={{ default: 'justifyContentFlexEnd' }}>
          <FlexItem>
            <PagerControls
              page={pageNumber(stack)}
              shown={items.length}
              noun="images"
              hasPrevious={stack.previous.length > 0}
              hasNext={nextCursor !== '' && !page.isPlaceholderData}
              isFetching={page.isFetching}
              onPrevious={() => setSearch(imageListToSearch({ filters, stack: previousPage(stack) }))}
              onNext={() => setSearch(imageListToSearch({ filters, stack: nextPage(stack, nextCursor) }))}
              testIds={{ prev: T.prevPage, next: T.nextPage, page: T.pageNumber }}
            />
          </FlexItem>
        </Flex>
      </PageSection>
    </div>
  );
}
