import { useQueries, useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap, type ApiClient } from '../../api/client';
import { isApiError } from '../../api/errors';
import { qk } from '../../api/queryKeys';
import type { ScoreScope } from '../../api/types';

export function useScores(tenant: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.scores(tenant),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/scores', { params: { path: { tenant } } })),
  });
}

/** The overall score history of each target (the API has one series per target and scope). */
export function useScoreHistories(tenant: string, targets: number[], days: number) {
  const api = useApi();
  return useQueries({
    queries: targets.map((target) => ({
      queryKey: qk.scoreHistory(tenant, target, days),
      queryFn: () =>
        unwrap(
          api.GET('/api/v1/tenants/{tenant}/scores/history', {
            params: { path: { tenant }, query: { target, scope: 'overall', days } },
          }),
        ).then((d) => ({ target, points: d.items })),
    })),
  });
}

/**
 * Why a scope on one target scores what it does. A scope with no snapshot yet answers 404:
 * that is "not scored", returned as null rather than an error.
 */
async function fetchExplain(api: ApiClient, tenant: string, target: number, scope: ScoreScope, key: string) {
  try {
    return await unwrap(
      api.GET('/api/v1/tenants/{tenant}/scores/explain', { params: { path: { tenant }, query: { target, scope, key } } }),
    );
  } catch (e) {
    if (isApiError(e) && e.status === 404) return null;
    throw e;
  }
}

export function useExplain(tenant: string, target: number | undefined, scope: ScoreScope, key: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.explain(tenant, target ?? 0, scope, key),
    enabled: target !== undefined && (scope === 'overall' || key !== ''),
    queryFn: () => fetchExplain(api, tenant, target ?? 0, scope, key),
  });
}

export function useExplainMany(tenant: string, target: number | undefined, scope: ScoreScope, keys: string[]) {
  const api = useApi();
  return useQueries({
    queries: keys.map((key) => ({
      queryKey: qk.explain(tenant, target ?? 0, scope, key),
      enabled: target !== undefined,
      queryFn: () => fetchExplain(api, tenant, target ?? 0, scope, key),
    })),
  });
}

/** Namespaces of one target, as assets (they carry open_findings). */
export function useNamespaces(tenant: string, target: number | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: qk.assets(tenant, { target, kind: 'namespace' }),
    enabled: target !== undefined,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/assets', { params: { path: { tenant }, query: { target, kind: 'namespace', limit: 1000 } } }),
      ),
  });
}
