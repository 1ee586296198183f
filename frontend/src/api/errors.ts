import type { ApiErrorBody } from './types';

type Code = ApiErrorBody['error']['code'];

/** An API error as the server reported it: status, stable code, safe message, request id. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: Code | 'network';
  readonly requestId: string | undefined;

  constructor(status: number, code: Code | 'network', message: string, requestId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  /** Builds the error from a response and its (possibly non-JSON) body. */
  static from(response: Response, body: unknown): ApiError {
    const err = isErrorBody(body) ? body.error : undefined;
    const requestId = err?.request_id ?? response.headers.get('X-Request-Id') ?? undefined;
    if (err) return new ApiError(response.status, err.code, err.message, requestId);
    const fallback = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : 'internal';
    return new ApiError(response.status, fallback, `The server answered ${response.status} ${response.statusText}`.trim(), requestId);
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const e = (body as { error: unknown }).error;
  return typeof e === 'object' && e !== null && 'message' in e && 'code' in e;
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export function isUnauthorized(e: unknown): boolean {
  return isApiError(e) && e.status === 401;
}
