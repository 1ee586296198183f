import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { ApiError } from './errors';
import type { paths } from './schema';

export type ApiClient = Client<paths>;

export interface ApiClientOptions {
  /** Origin of the API; the UI is same-origin, so window.location.origin. */
  baseUrl: string;
  /** The session's CSRF token, read at request time (it arrives with GET /api/v1/session). */
  csrfToken: () => string | undefined;
  fetch?: (input: Request) => Promise<Response>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Adds X-CSRF-Token to every state-changing request, as the server requires with a session. */
export function csrfMiddleware(csrfToken: () => string | undefined): Middleware {
  return {
    onRequest({ request }) {
      if (SAFE_METHODS.has(request.method.toUpperCase())) return undefined;
      const token = csrfToken();
      if (token) request.headers.set('X-CSRF-Token', token);
      return request;
    },
  };
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const client = createClient<paths>({
    baseUrl: opts.baseUrl,
    fetch: opts.fetch ?? ((input: Request) => globalThis.fetch(input)),
    credentials: 'same-origin',
    // The spec's array parameters are style=form, explode=false: status=open,resolved.
    querySerializer: { array: { style: 'form', explode: false } },
    headers: { Accept: 'application/json' },
  });
  client.use(csrfMiddleware(opts.csrfToken));
  return client;
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Resolves to the data, or throws an ApiError carrying the server's message and request id. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (e) {
    throw new ApiError(0, 'network', `The server could not be reached (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!result.response.ok) throw ApiError.from(result.response, result.error);
  return result.data as T;
}
