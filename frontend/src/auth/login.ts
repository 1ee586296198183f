import { currentPathAndQuery, leaveTo } from './browser';

/** The server's login start, coming back to `returnTo` (a path on this server) afterwards. */
export function loginUrl(returnTo: string): string {
  const path = returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/';
  return `/auth/login?return_to=${encodeURIComponent(path)}`;
}

/** Sends the browser to sign in, returning to where it is now. */
export function redirectToLogin(): void {
  leaveTo(loginUrl(currentPathAndQuery()));
}
