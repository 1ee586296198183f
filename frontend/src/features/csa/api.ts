import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { AttestationInput } from '../../api/types';

export function useRecommendations(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.csa(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/csa', { params: { path: { tenant } } })).then((d) => d.items),
  });
}

/** An attestation changes statuses and scores: refresh the whole tenant's cached reads. */
export function useAttest(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AttestationInput) =>
      unwrap(api.POST('/api/v1/tenants/{tenant}/attestations', { params: { path: { tenant } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.tenant(tenant) }),
  });
}

export function useRevokeAttestation(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/tenants/{tenant}/attestations/{id}', { params: { path: { tenant, id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.tenant(tenant) }),
  });
}
