import { useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { ApiProvider } from '../api/ApiProvider';
import { createApiClient } from '../api/client';
import { redirectToLogin } from '../auth/login';
import { csrfTokenFrom } from '../auth/session';
import { AppRoutes } from './AppRoutes';
import { createQueryClient } from './queryClient';
import { SessionGate } from './SessionGate';

export function App() {
  const [queryClient] = useState(() => createQueryClient(redirectToLogin));
  const [api] = useState(() => createApiClient({ baseUrl: window.location.origin, csrfToken: () => csrfTokenFrom(queryClient) }));
  return (
    <ApiProvider client={api}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <SessionGate>
            <AppRoutes />
          </SessionGate>
        </BrowserRouter>
      </QueryClientProvider>
    </ApiProvider>
  );
}
