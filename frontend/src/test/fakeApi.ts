// A fake API at the fetch boundary: routes by "METHOD /path", records every request.
export interface Recorded {
  method: string;
  path: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

type Handler = (req: Recorded) => unknown;

export class JsonResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export function fakeApi(routes: Record<string, Handler>) {
  const calls: Recorded[] = [];
  const fetch = async (input: Request): Promise<Response> => {
    const url = new URL(input.url);
    const text = input.method === 'GET' ? '' : await input.text();
    const rec: Recorded = {
      method: input.method,
      path: url.pathname,
      url,
      headers: input.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    calls.push(rec);
    const handler = routes[`${input.method} ${url.pathname}`];
    if (!handler) {
      return Response.json(
        { error: { code: 'not_found', message: `no fake for ${input.method} ${url.pathname}`, request_id: 'fake' } },
        { status: 404 },
      );
    }
    const out = handler(rec);
    if (out instanceof JsonResponse) return Response.json(out.body, { status: out.status });
    if (out === undefined) return new Response(null, { status: 204 });
    return Response.json(out);
  };
  return { fetch, calls, callsTo: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path) };
}
