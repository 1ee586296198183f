import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { AlertRuleInput, ChannelInput } from '../../api/types';

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

export function useDeliveries(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.deliveries(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/deliveries', { params: { path: { tenant } } })).then((d) => d.items),
    refetchInterval: DELIVERIES_POLL_MS,
  });
}
