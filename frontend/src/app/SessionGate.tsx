import { useEffect, type ReactNode } from 'react';
import { Bullseye } from '@patternfly/react-core';
import { isUnauthorized } from '../api/errors';
import { redirectToLogin } from '../auth/login';
import { SessionContext, useSessionQuery } from '../auth/session';
import { ErrorState } from '../components/ErrorState';
import { LoadingState } from '../components/LoadingState';

/** Loads GET /api/v1/session before anything else; without a session, goes to sign in. */
export function SessionGate({ children }: { children: ReactNode }) {
  const session = useSessionQuery();
  const unauthorized = session.isError && isUnauthorized(session.error);

  useEffect(() => {
    if (unauthorized) redirectToLogin();
  }, [unauthorized]);

  if (session.isPending || unauthorized) {
    return <LoadingState label={unauthorized ? 'Redirecting to sign in' : 'Loading your session'} />;
  }
  if (session.isError) {
    return (
      <Bullseye className="pal-fullpage">
        <ErrorState error={session.error} what="your session" onRetry={() => void session.refetch()} />
      </Bullseye>
    );
  }
  return <SessionContext.Provider value={session.data}>{children}</SessionContext.Provider>;
}
