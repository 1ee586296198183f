// Full-page navigation away from the single-page app (login, identity provider logout).
// A module of its own so that tests can replace it with vi.mock.
export function leaveTo(url: string): void {
  window.location.assign(url);
}

/** Path and query of the current page, for return_to. */
export function currentPathAndQuery(): string {
  return window.location.pathname + window.location.search;
}
