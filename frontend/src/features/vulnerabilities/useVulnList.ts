import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { parseVulnList, vulnListToSearch, type VulnListState } from './vulnFilters';

/** The list's filters and page position, read from and written to the address bar (each change is a history entry). */
export function useVulnList(): [VulnListState, (next: VulnListState) => void] {
  const [search, setSearch] = useSearchParams();
  const key = search.toString();
  // The string is the identity: the same URL gives the same filters object.
  const state = useMemo(() => parseVulnList(new URLSearchParams(key)), [key]);
  const setState = useCallback((next: VulnListState) => setSearch(vulnListToSearch(next)), [setSearch]);
  return [state, setState];
}
