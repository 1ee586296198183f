import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { ExceptionInput, TriageRequest } from '../../api/types';
import { filtersToQuery, type FindingFilters } from './filters';

export function useFindingsPage(tenant: string, filters: FindingFilters, cursor: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.findingsPage(tenant, filters, cursor),
    queryFn: () =>
      unwrap(api.GET('/api/v1/tenants/{tenant}/findings', { params: { path: { tenant }, query: filtersToQuery(filters, cursor) } })),
    // Keep the old page on screen (dimmed) while the next loads, instead of flashing a
    // spinner; but never another tenant's findings.
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[1] === tenant ? keepPreviousData(previous) : undefined),
  });
}

export function useFinding(tenant: string, id: number) {
  const api = useApi();
  return useQuery({
    queryKey: qk.finding(tenant, id),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/findings/{id}', { params: { path: { tenant, id } } })),
  });
}

export function useFindingHistory(tenant: string, id: number) {
  const api = useApi();
  return useQuery({
    queryKey: qk.findingHistory(tenant, id),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/findings/{id}/history', { params: { path: { tenant, id } } })),
  });
}

export function useTriage(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TriageRequest) =>
      unwrap(api.POST('/api/v1/tenants/{tenant}/findings/triage', { params: { path: { tenant } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.findings(tenant) }),
  });
}

export function useRequestException(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ExceptionInput) => unwrap(api.POST('/api/v1/tenants/{tenant}/exceptions', { params: { path: { tenant } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.exceptions(tenant) }),
  });
}

/** The finding's asset, for its kind (the finding itself carries only the key). */
export function useFindingAsset(tenant: string, id: number) {
  const api = useApi();
  return useQuery({
    queryKey: qk.assets(tenant, { id }),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/assets/{id}', { params: { path: { tenant, id } } })),
  });
}
