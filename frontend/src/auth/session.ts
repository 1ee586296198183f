import { createContext, useContext } from 'react';
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { useApi } from '../api/ApiProvider';
import { unwrap } from '../api/client';
import type { Session } from '../api/types';

export const sessionKey = ['session'] as const;

export function useSessionQuery() {
  const api = useApi();
  return useQuery({
    queryKey: sessionKey,
    queryFn: () => unwrap(api.GET('/api/v1/session')),
    staleTime: 5 * 60_000,
    retry: false,
  });
}

/** The CSRF token of the loaded session, for the API client's mutation requests. */
export function csrfTokenFrom(queryClient: QueryClient): string | undefined {
  return queryClient.getQueryData<Session>(sessionKey)?.csrf_token || undefined;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in session; only below SessionGate. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionGate');
  return s;
}
