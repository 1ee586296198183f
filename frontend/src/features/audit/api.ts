import { useInfiniteQuery } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';

const PAGE = 100;

/** The audit log, newest first, 100 entries at a time (keyset: next_before). */
export function useAudit(tenant: string, actor: string, action: string) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: qk.audit(tenant, actor, action),
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/audit', {
          params: {
            path: { tenant },
            query: { limit: PAGE, ...(actor ? { actor } : {}), ...(action ? { action } : {}), ...(pageParam ? { before: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_before ?? undefined,
  });
}
