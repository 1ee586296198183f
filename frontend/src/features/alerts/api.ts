import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { components } from '../../api/schema';
import type { AlertRuleInput, ChannelInput } from '../../api/types';

export type ChannelPatch = components['schemas']['ChannelPatch'];
export type AlertRulePatch = components['schemas']['AlertRulePatch'];
export type ChannelDeletion = components['schemas']['ChannelDeletion'];

/** Deliveries move on their own (the outbox retries): refresh them now and then. */
export const DELIVERIES_POLL_MS = 15_000;

export function useChannels(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.channels(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/channels', { params: { path: { tenant } } })).then((d) => d.items),
  });
}

export function useCreateChannel(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ChannelInput) => unwrap(api.POST('/api/v1/tenants/{tenant}/channels', { params: { path: { tenant } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.channels(tenant) }),
  });
}

export function useUpdateChannel(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: ChannelPatch }) =>
      unwrap(api.PATCH('/api/v1/tenants/{tenant}/channels/{id}', { params: { path: { tenant, id } }, body: patch })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.channels(tenant) }),
  });
}

/** Deletes a channel; force also deletes the rules that route to it (otherwise the server answers 409 naming them). */
export function useDeleteChannel(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, force }: { id: number; force: boolean }): Promise<ChannelDeletion> =>
      unwrap(api.DELETE('/api/v1/tenants/{tenant}/channels/{id}', { params: { path: { tenant, id }, query: force ? { force } : {} } })),
    // Its rules (with force) and its deliveries went with it.
    onSuccess: () =>
      Promise.all(
        [qk.channels(tenant), qk.alertRules(tenant), qk.deliveries(tenant)].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      ),
  });
}

export function useTestChannel(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.POST('/api/v1/tenants/{tenant}/channels/{id}/test', { params: { path: { tenant, id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: qk.deliveries(tenant) }),
  });
}

export function useAlertRules(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.alertRules(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/alert-rules', { params: { path: { tenant } } })).then((d) => d.items),
  });
}

export function useCreateAlertRule(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AlertRuleInput) => unwrap(api.POST('/api/v1/tenants/{tenant}/alert-rules', { params: { path: { tenant } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.alertRules(tenant) }),
  });
}

export function useUpdateAlertRule(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: AlertRulePatch }) =>
      unwrap(api.PATCH('/api/v1/tenants/{tenant}/alert-rules/{id}', { params: { path: { tenant, id } }, body: patch })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.alertRules(tenant) }),
  });
}

export function useDeleteAlertRule(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/tenants/{tenant}/alert-rules/{id}', { params: { path: { tenant, id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.alertRules(tenant) }),
  });
}

export function useDeliveries(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.deliveries(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/deliveries', { params: { path: { tenant } } })).then((d) => d.items),
    refetchInterval: DELIVERIES_POLL_MS,
  });
}
