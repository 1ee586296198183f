import { Button } from '@patternfly/react-core';
import { EmptyMessage } from '../../components/EmptyMessage';
import { QueryState } from '../../components/QueryState';
import { testIds } from '../../testids';
import { useAssets } from './api';
import { AssetRow } from './AssetRow';

export function AssetSearchResults({ tenant, target, q }: { tenant: string; target: number | undefined; q: string }) {
  const results = useAssets(tenant, { target, q });
  return (
    <QueryState query={results} what="assets">
      {(data) => {
        const items = data.pages.flatMap((p) => p.items);
        if (items.length === 0) return <EmptyMessage title={`No asset name or key contains “${q}”`} />;
        return (
          <div data-testid={testIds.assets.results}>
            <ul className="pal-tree" aria-label="Matching assets">
              {items.map((a) => (
                <li key={a.id} data-testid={testIds.assets.node(a.id)}>
                  <div className="pal-tree-row">
                    <AssetRow tenant={tenant} asset={a} />
                  </div>
                </li>
              ))}
            </ul>
            {results.hasNextPage && (
              <Button
                variant="link"
                size="sm"
                onClick={() => void results.fetchNextPage()}
                isLoading={results.isFetchingNextPage}
                data-testid={testIds.assets.loadMore}
              >
                Load more
              </Button>
            )}
          </div>
        );
      }}
    </QueryState>
  );
}
