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

/**
 * One scope's history for each target (the API has one series per target and scope): the
 * target's overall numbers, or one CSA area's (area = "3.1.2").
 */
export function useScoreHistories(tenant: string, targets: number[], days: number, area = '') {
  const api = useApi();
  return useQueries({
    queries: targets.map((target) => ({
      queryKey: [...qk.scoreHistory(tenant, target, days), area],
      queryFn: () =>
        unwrap(
          api.GET('/api/v1/tenants/{tenant}/scores/history', {
            params: { path: { tenant }, query: area ? { target, scope: 'area', key: area, days } : { target, scope: 'overall', days } },
          }),
        ).then((d) => ({ target, points: d.items })),
    })),
  });
}

/** How fast findings are fixed: per severity and per day (metrics/remediation). */
export function useRemediation(tenant: string, days: number) {
  const api = useApi();
  return useQuery({
    queryKey: ['tenant', tenant, 'metrics', 'remediation', days],
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/metrics/remediation', { params: { path: { tenant }, query: { days } } })),
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

export type RankedKind = 'namespace' | 'owner' | 'target';

/** Every namespace, owner or target with its numbers, most risk first (scores/scopes). */
export function useScoreScopes(tenant: string, kind: RankedKind, target?: number, limit = 100) {
  const api = useApi();
  return useQuery({
    queryKey: [...qk.scoreScopes(tenant, kind, target), limit],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/scores/scopes', {
          params: { path: { tenant }, query: { kind, target, limit } },
        }),
      ),
  });
}
