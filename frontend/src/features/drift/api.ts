import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { DriftKind } from '../../api/types';

export const DRIFT_PAGE = 50;

/** Drift events of one kind ('' for all), newest first, a page at a time (keyset: before / next_before). */
export function useDrift(tenant: string, kind: DriftKind | '') {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: qk.drift(tenant, kind),
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/drift', {
          params: {
            path: { tenant },
            query: { limit: DRIFT_PAGE, ...(pageParam ? { before: pageParam } : {}), ...(kind ? { kind: [kind] } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_before || undefined,
    // The kind filter stays on screen while the other kind loads.
    placeholderData: keepPreviousData,
  });
}
