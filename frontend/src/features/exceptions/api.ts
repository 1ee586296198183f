import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';

export type Decision = 'approved' | 'rejected' | 'revoked';

export function useExceptions(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.exceptions(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/exceptions', { params: { path: { tenant } } })).then((d) => d.items),
  });
}

/** Approved exceptions expiring within `days`, and those that cover nothing any more. */
export function useExceptionReport(tenant: string, days: number) {
  const api = useApi();
  return useQuery({
    queryKey: qk.exceptionReport(tenant, days),
    queryFn: () =>
      unwrap(api.GET('/api/v1/tenants/{tenant}/exceptions/report', { params: { path: { tenant }, query: { within_days: days } } })),
  });
}

/** A decision suppresses or restores findings and so moves scores: refresh the tenant. */
export function useDecideException(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, decision }: { id: number; decision: Decision }) =>
      unwrap(api.POST('/api/v1/tenants/{tenant}/exceptions/{id}/decision', { params: { path: { tenant, id } }, body: { decision } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.tenant(tenant) }),
  });
}
