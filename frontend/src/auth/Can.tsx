import type { ReactNode } from 'react';
import type { Permission } from '../api/types';
import { useCan } from './permissions';

/** Renders its children only when the caller's role in this tenant holds `perm`. */
export function Can({ perm, children }: { perm: Permission; children: ReactNode }) {
  const can = useCan();
  return can(perm) ? <>{children}</> : null;
}
