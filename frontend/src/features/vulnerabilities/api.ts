import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { VEXInput } from '../../api/types';
import { vulnFiltersToQuery, type VulnFilters } from './vulnFilters';

/** One keyset page of the vulnerability list, with the advisory feeds' state; the previous page stays shown while the next loads. */
export function useVulnerabilitiesPage(tenant: string, filters: VulnFilters, cursor: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.vulnerabilitiesPage(tenant, filters, cursor),
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/vulnerabilities', {
          params: { path: { tenant }, query: vulnFiltersToQuery(filters, cursor) },
        }),
      ),
    // Never another tenant's rows.
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[1] === tenant ? keepPreviousData(previous) : undefined),
  });
}

/** "Where does it run": the advisories an id names and the tenant's images they affect. */
export function useVulnerability(tenant: string, id: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.vulnerability(tenant, id),
    queryFn: () =>
      unwrap(api.GET('/api/v1/tenants/{tenant}/vulnerabilities/{vulnerability}', { params: { path: { tenant, vulnerability: id } } })),
  });
}

export function useVexStatements(tenant: string, includeExpired: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: qk.vexList(tenant, includeExpired),
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/vex', { params: { path: { tenant }, query: includeExpired ? { expired: true } : {} } }),
      ).then((d) => d.items),
  });
}

/** A statement hides or restores matches: the list, the details, the image counts and the statements change. */
function useRefreshAfterVex(tenant: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: qk.vex(tenant) }),
      queryClient.invalidateQueries({ queryKey: qk.vulnerabilities(tenant) }),
      queryClient.invalidateQueries({ queryKey: qk.images(tenant) }),
    ]);
}

export function useCreateVex(tenant: string) {
  const api = useApi();
  const refresh = useRefreshAfterVex(tenant);
  return useMutation({
    mutationFn: (body: VEXInput) => unwrap(api.POST('/api/v1/tenants/{tenant}/vex', { params: { path: { tenant } }, body })),
    onSuccess: refresh,
  });
}

export function useRevokeVex(tenant: string) {
  const api = useApi();
  const refresh = useRefreshAfterVex(tenant);
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/tenants/{tenant}/vex/{id}', { params: { path: { tenant, id } } })),
    onSuccess: refresh,
  });
}
