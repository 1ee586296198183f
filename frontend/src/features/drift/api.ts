import { useInfiniteQuery } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';

export const DRIFT_PAGE = 50;

/** Drift events, newest first, a page at a time (keyset: before / next_before). */
export function useDrift(tenant: string) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: qk.drift(tenant),
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/drift', {
          params: { path: { tenant }, query: { limit: DRIFT_PAGE, ...(pageParam ? { before: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_before || undefined,
  });
}
