// Query keys in one place. Everything of a tenant starts with ['tenant', slug] so that a
// change can refresh what depends on it without guessing.
import type { FindingFilters } from '../features/findings/filters';

export const qk = {
  session: ['session'] as const,
  checks: ['checks'] as const,
  tenant: (t: string) => ['tenant', t] as const,
  targets: (t: string) => ['tenant', t, 'targets'] as const,
  runs: (t: string, target: number) => ['tenant', t, 'targets', target, 'runs'] as const,
  findings: (t: string) => ['tenant', t, 'findings'] as const,
  findingsPage: (t: string, f: FindingFilters, cursor: string) => ['tenant', t, 'findings', 'list', f, cursor] as const,
  finding: (t: string, id: number) => ['tenant', t, 'findings', 'one', id] as const,
  findingHistory: (t: string, id: number) => ['tenant', t, 'findings', 'one', id, 'history'] as const,
  scores: (t: string) => ['tenant', t, 'scores'] as const,
  scoreHistory: (t: string, target: number, days: number) => ['tenant', t, 'scores', 'history', target, days] as const,
  explain: (t: string, target: number, scope: string, key: string) => ['tenant', t, 'scores', 'explain', target, scope, key] as const,
  csa: (t: string) => ['tenant', t, 'csa'] as const,
  assets: (t: string, params: object) => ['tenant', t, 'assets', params] as const,
  exceptions: (t: string) => ['tenant', t, 'exceptions'] as const,
  exceptionReport: (t: string, days: number) => ['tenant', t, 'exceptions', 'report', days] as const,
  audit: (t: string, actor: string, action: string) => ['tenant', t, 'audit', actor, action] as const,
  drift: (t: string, kind = '') => ['tenant', t, 'drift', kind] as const,
  tickets: (t: string) => ['tenant', t, 'tickets'] as const,
  ticketList: (t: string, status: string) => ['tenant', t, 'tickets', 'list', status] as const,
  ticket: (t: string, id: number) => ['tenant', t, 'tickets', 'one', id] as const,
  channels: (t: string) => ['tenant', t, 'channels'] as const,
  alertRules: (t: string) => ['tenant', t, 'alert-rules'] as const,
  deliveries: (t: string) => ['tenant', t, 'deliveries'] as const,
  roleMappings: (t: string) => ['tenant', t, 'role-mappings'] as const,
  apiTokens: (t: string) => ['tenant', t, 'api-tokens'] as const,
};
