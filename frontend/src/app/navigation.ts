import type { Permission } from '../api/types';

export interface NavEntry {
  key: string;
  label: string;
  /** Relative to /t/:tenant. */
  path: string;
  perm: Permission;
}

/** The sidebar, in order; an entry shows only when the role holds its permission. */
export const NAV: readonly NavEntry[] = [
  { key: 'dashboard', label: 'Dashboard', path: '', perm: 'read' },
  { key: 'findings', label: 'Findings', path: 'findings', perm: 'read' },
  { key: 'csa', label: 'CSA controls', path: 'csa', perm: 'read' },
  { key: 'assets', label: 'Assets', path: 'assets', perm: 'read' },
  { key: 'images', label: 'Images', path: 'images', perm: 'read' },
  { key: 'vulnerabilities', label: 'Vulnerabilities', path: 'vulnerabilities', perm: 'read' },
  { key: 'trust-policy', label: 'Trust policy', path: 'trust-policy', perm: 'read' },
  { key: 'targets', label: 'Targets and runs', path: 'targets', perm: 'read' },
  { key: 'exceptions', label: 'Exceptions', path: 'exceptions', perm: 'read' },
  { key: 'drift', label: 'Drift', path: 'drift', perm: 'read' },
  { key: 'tickets', label: 'Tickets', path: 'tickets', perm: 'read' },
  { key: 'alerts', label: 'Alerts', path: 'alerts', perm: 'read' },
  { key: 'audit', label: 'Audit log', path: 'audit', perm: 'audit.read' },
  { key: 'settings', label: 'Access settings', path: 'settings', perm: 'admin.read' },
];

export function tenantPath(slug: string, path = ''): string {
  return path ? `/t/${slug}/${path}` : `/t/${slug}`;
}

/** The same section in another tenant: ids and filters do not carry over. */
export function switchTenantPath(pathname: string, slug: string): string {
  const section = pathname.split('/')[3] ?? '';
  const known = NAV.some((n) => n.path === section);
  return tenantPath(slug, known ? section : '');
}
