import type { ReactNode } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { ApiProvider } from '../api/ApiProvider';
import { createApiClient } from '../api/client';
import type { Session } from '../api/types';
import { AppRoutes } from '../app/AppRoutes';
import { createQueryClient } from '../app/queryClient';
import { SessionContext } from '../auth/session';

export const ORIGIN = 'http://palisade.test';

/** Renders `ui` (default: the whole app's routes) at `route`, against a fake fetch. */
export function renderApp({
  route,
  session,
  fetch,
  ui,
  onUnauthorized = () => {},
}: {
  route: string;
  session?: Session;
  fetch: (r: Request) => Promise<Response>;
  ui?: ReactNode;
  onUnauthorized?: () => void;
}) {
  const queryClient = createQueryClient(onUnauthorized);
  queryClient.setDefaultOptions({ queries: { ...queryClient.getDefaultOptions().queries, retry: false } });
  const api = createApiClient({ baseUrl: ORIGIN, fetch, csrfToken: () => session?.csrf_token });
  const content = ui ?? <AppRoutes />;
  return render(
    <ApiProvider client={api}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[route]}>
          {session ? <SessionContext.Provider value={session}>{content}</SessionContext.Provider> : content}
        </MemoryRouter>
      </QueryClientProvider>
    </ApiProvider>,
  );
}
