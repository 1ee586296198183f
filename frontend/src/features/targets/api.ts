import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { Run, Target, TargetInput, TargetPatch } from '../../api/types';

/** While any target's last run is running, poll so the list shows when it ends. */
export const RUNNING_POLL_MS = 2_000;

export function isRunning(run: Run | null | undefined): boolean {
  return run?.status === 'running';
}

export function useTargets(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.targets(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/targets', { params: { path: { tenant } } })).then((d) => d.items),
    refetchInterval: (q) => (q.state.data?.some((t: Target) => isRunning(t.last_run)) ? RUNNING_POLL_MS : false),
  });
}

export function useRuns(tenant: string, target: number, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: qk.runs(tenant, target),
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/targets/{id}/runs', { params: { path: { tenant, id: target }, query: { limit: 20 } } }),
      ).then((d) => d.items),
    enabled,
    refetchInterval: (q) => (q.state.data?.some(isRunning) ? RUNNING_POLL_MS : false),
  });
}

/** After a change to targets or runs, everything derived from them may have moved. */
function useRefreshTenant(tenant: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: qk.tenant(tenant) });
}

export function useRunNow(tenant: string) {
  const api = useApi();
  const refresh = useRefreshTenant(tenant);
  return useMutation({
    mutationFn: (id: number) => unwrap(api.POST('/api/v1/tenants/{tenant}/targets/{id}/runs', { params: { path: { tenant, id } } })),
    onSuccess: refresh,
  });
}

export function useCreateTarget(tenant: string) {
  const api = useApi();
  const refresh = useRefreshTenant(tenant);
  return useMutation({
    mutationFn: (body: TargetInput) => unwrap(api.POST('/api/v1/tenants/{tenant}/targets', { params: { path: { tenant } }, body })),
    onSuccess: refresh,
  });
}

export function useUpdateTarget(tenant: string) {
  const api = useApi();
  const refresh = useRefreshTenant(tenant);
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: TargetPatch }) =>
      unwrap(api.PATCH('/api/v1/tenants/{tenant}/targets/{id}', { params: { path: { tenant, id } }, body: patch })),
    onSuccess: refresh,
  });
}

export function useDeleteTarget(tenant: string) {
  const api = useApi();
  const refresh = useRefreshTenant(tenant);
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/tenants/{tenant}/targets/{id}', { params: { path: { tenant, id } } })),
    onSuccess: refresh,
  });
}
