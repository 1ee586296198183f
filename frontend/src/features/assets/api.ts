import { useInfiniteQuery } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';

const PAGE = 100;

interface AssetQuery {
  target?: number;
  /** Children of this key; '' for roots. Absent for a search. */
  parent?: string;
  q?: string;
}

/** One level of the tree, or a search, 100 at a time ("Load more" follows next_after). */
export function useAssets(tenant: string, query: AssetQuery, enabled = true) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: qk.assets(tenant, query),
    enabled,
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/assets', {
          params: { path: { tenant }, query: { ...query, limit: PAGE, ...(pageParam ? { after: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_after ?? undefined,
  });
}
