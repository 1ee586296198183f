import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../api/ApiProvider';
import { unwrap } from '../api/client';
import { leaveTo } from './browser';

/** DELETE /api/v1/session, then on to the identity provider's logout page it names. */
export function useLogout() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/session')),
    onSuccess: (data) => {
      queryClient.clear();
      leaveTo(data.logout_url || '/');
    },
  });
}
