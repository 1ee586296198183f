import { createContext, useContext } from 'react';
import type { Permission, TenantMembership } from '../api/types';

/** The tenant of the current /t/:tenant route, with the caller's role and permissions in it. */
export const TenantContext = createContext<TenantMembership | null>(null);

export function useTenant(): TenantMembership {
  const t = useContext(TenantContext);
  if (!t) throw new Error('useTenant outside a tenant route');
  return t;
}

export function hasPermission(membership: Pick<TenantMembership, 'permissions'>, perm: Permission): boolean {
  return membership.permissions.includes(perm);
}

/** can('finding.triage'): whether to offer an action at all. The server still decides. */
export function useCan(): (perm: Permission) => boolean {
  const t = useTenant();
  return (perm) => hasPermission(t, perm);
}
