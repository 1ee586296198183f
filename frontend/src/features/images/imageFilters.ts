// The image list keeps its filters and its page position in the URL: registry, repository,
// and the keyset cursors that led to the current page (repeated `cursor`, oldest first).
import type { CursorStack } from '../../lib/cursorStack';

export const IMAGES_PAGE_SIZE = 50;

export interface ImageFilters {
  registry?: string;
  repository?: string;
}

export interface ImageListState {
  filters: ImageFilters;
  stack: CursorStack;
}

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function parseImageList(search: URLSearchParams): ImageListState {
  const filters: ImageFilters = {};
  const registry = search.get('registry')?.trim();
  const repository = search.get('repository')?.trim();
  if (registry) filters.registry = registry;
  if (repository) filters.repository = repository;
  const cursors = search.getAll('cursor').filter(Boolean);
  const current = cursors[cursors.length - 1] ?? '';
  return { filters, stack: { previous: cursors.length ? ['', ...cursors.slice(0, -1)] : [], current } };
}

export function imageListToSearch({ filters, stack }: ImageListState): URLSearchParams {
  const s = new URLSearchParams();
  if (filters.registry) s.set('registry', filters.registry);
  if (filters.repository) s.set('repository', filters.repository);
  for (const c of [...stack.previous, stack.current]) if (c) s.append('cursor', c);
  return s;
}

/** "sha256:abcdef123456": the algorithm and the first 12 hex digits, as docker prints them. */
export function shortDigest(digest: string): string {
  const [alg, hex] = digest.split(':');
  return hex ? `${alg}:${hex.slice(0, 12)}` : digest.slice(0, 19);
}

/** An empty user runs as root, and so do uid 0 and "root" with or without a group. */
export function runsAsRoot(user: string): boolean {
  return /^(|0|root)(:.*)?$/.test(user.trim());
}

export function imageHref(tenant: string, digest: string): string {
  return `/t/${tenant}/images/${digest}`;
}
