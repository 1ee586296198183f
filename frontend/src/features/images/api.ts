import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { qk } from '../../api/queryKeys';
import { IMAGES_PAGE_SIZE, type ImageFilters } from './imageFilters';

/** One keyset page of the image list; the previous page stays shown while the next loads. */
export function useImagesPage(tenant: string, filters: ImageFilters, cursor: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.imagesPage(tenant, filters, cursor),
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/images', {
          params: {
            path: { tenant },
            query: {
              limit: IMAGES_PAGE_SIZE,
              ...(filters.registry ? { registry: filters.registry } : {}),
              ...(filters.repository ? { repository: filters.repository } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useImage(tenant: string, digest: string) {
  const api = useApi();
  return useQuery({
    queryKey: qk.image(tenant, digest),
    queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant}/images/{digest}', { params: { path: { tenant, digest } } })),
  });
}

/** The images a workload (its asset key) runs in one cluster target; the first page is enough for a panel. */
export function useWorkloadImages(tenant: string, workload: string, target: number, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: [...qk.images(tenant), 'workload', target, workload] as const,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/tenants/{tenant}/images', {
          params: { path: { tenant }, query: { workload, target, limit: 100 } },
        }),
      ),
    enabled,
  });
}
