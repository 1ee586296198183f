import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { TicketInput, TicketPatch, TicketStatus } from '../../api/types';

export function useTickets(tenant: string, status: TicketStatus | '') {
  const api = useApi();
  return useQuery({
    queryKey: qk.ticketList(tenant, status),
    queryFn: () =>
      unwrap(api.GET('/api/v1/tenants/{tenant}/tickets', { params: { path: { tenant }, query: status ? { status } : {} } })).then(
        (d) => d.items,
      ),
  });
}

export function useTicket(tenant: string, id: number) {
  const api = useApi();
  return useQuery({
    queryKey: qk.ticket(tenant, id),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/tickets/{id}', { params: { path: { tenant, id } } })),
  });
}

export function useCreateTicket(tenant: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TicketInput) => unwrap(api.POST('/api/v1/tenants/{tenant}/tickets', { params: { path: { tenant } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.tickets(tenant) }),
  });
}

export function useUpdateTicket(tenant: string, id: number) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TicketPatch) =>
      unwrap(api.PATCH('/api/v1/tenants/{tenant}/tickets/{id}', { params: { path: { tenant, id } }, body })),
    onSuccess: (ticket) => {
      queryClient.setQueryData(qk.ticket(tenant, id), ticket);
      return queryClient.invalidateQueries({ queryKey: qk.tickets(tenant) });
    },
  });
}

export function useCommentTicket(tenant: string, id: number) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: string) =>
      unwrap(api.POST('/api/v1/tenants/{tenant}/tickets/{id}/comments', { params: { path: { tenant, id } }, body: { body } })),
    onSuccess: (ticket) => queryClient.setQueryData(qk.ticket(tenant, id), ticket),
  });
}
