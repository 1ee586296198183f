import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { Role } from '../../api/types';

export function useRoleMappings(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.roleMappings(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/role-mappings', { params: { path: { tenant } } })),
  });
}

export function useCreateRoleMapping(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { claim_value: string; role: Role }) =>
      unwrap(api.POST('/api/v1/tenants/{tenant}/role-mappings', { params: { path: { tenant } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.roleMappings(tenant) }),
  });
}

export function useDeleteRoleMapping(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/tenants/{tenant}/role-mappings/{id}', { params: { path: { tenant, id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.roleMappings(tenant) }),
  });
}

export function useApiTokens(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.apiTokens(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/api-tokens', { params: { path: { tenant } } })).then((d) => d.items),
  });
}

export function useCreateApiToken(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; role: Role; expires_in_days: number }) =>
      unwrap(api.POST('/api/v1/tenants/{tenant}/api-tokens', { params: { path: { tenant } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.apiTokens(tenant) }),
  });
}

export function useRevokeApiToken(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/tenants/{tenant}/api-tokens/{id}', { params: { path: { tenant, id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.apiTokens(tenant) }),
  });
}
