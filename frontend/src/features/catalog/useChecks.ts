import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import type { Check } from '../../api/types';

/** The check catalog (titles for ids); it changes only with a new release or config. */
export function useChecks() {
  const api = useApi();
  return useQuery({
    queryKey: qk.checks,
    queryFn: async () => {
      const data = await unwrap(api.GET('/api/v1/checks'));
      return new Map<string, Check>(data.items.map((c) => [c.id, c]));
    },
    staleTime: 60 * 60_000,
  });
}
