import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { TrustPolicy } from '../../api/types';

export function useTrustPolicy(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.trustPolicy(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/trust-policy', { params: { path: { tenant } } })),
  });
}

/** Replaces the policy; the answer is the saved document with its new version. Images are judged under it from their next collection. */
export function useSaveTrustPolicy(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (policy: TrustPolicy) =>
      unwrap(api.PUT('/api/v1/tenants/{tenant}/trust-policy', { params: { path: { tenant } }, body: { policy } })),
    onSuccess: (doc) => {
      queryClient.setQueryData(qk.trustPolicy(tenant), doc);
      void queryClient.invalidateQueries({ queryKey: qk.images(tenant) });
    },
  });
}
