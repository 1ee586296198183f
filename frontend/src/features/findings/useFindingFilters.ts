import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { filtersToSearch, parseFilters, type FindingFilters } from './filters';

/** The findings filters, read from and written to the address bar (each change is a history entry). */
export function useFindingFilters(): [FindingFilters, (f: FindingFilters) => void] {
  const [search, setSearch] = useSearchParams();
  const key = search.toString();
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the string is the identity
  const filters = useMemo(() => parseFilters(new URLSearchParams(key)), [key]);
  const setFilters = useCallback((f: FindingFilters) => setSearch(filtersToSearch(f)), [setSearch]);
  return [filters, setFilters];
}
