// Typed fixtures for component tests, shaped by the generated API types.
import type {
  AdvisoryFeed,
  Finding,
  ImageSummary,
  ImageVulnerability,
  Permission,
  Role,
  Session,
  Target,
  TenantMembership,
  Ticket,
  VEXStatement,
} from '../api/types';

/** Mirrors backend/httpapi/policy.go for the roles the tests use. */
const permissions: Record<Role, Permission[]> = {
  admin: [
    'authenticated',
    'read',
    'target.write',
    'target.run',
    'finding.triage',
    'exception.request',
    'exception.decide',
    'attestation.write',
    'trust.write',
    'sbom.write',
    'alert.write',
    'audit.read',
    'admin.read',
    'admin.write',
  ],
  'security-manager': [
    'authenticated',
    'read',
    'target.run',
    'finding.triage',
    'exception.request',
    'exception.decide',
    'attestation.write',
    'trust.write',
    'sbom.write',
    'alert.write',
    'audit.read',
  ],
  operator: ['authenticated', 'read', 'target.write', 'target.run', 'finding.triage', 'exception.request', 'sbom.write'],
  auditor: ['authenticated', 'read', 'audit.read', 'admin.read'],
  viewer: ['authenticated', 'read'],
};

export function membership(role: Role, slug = 'acme', name = 'Acme Retail'): TenantMembership {
  return { slug, name, role, permissions: permissions[role] };
}

export function session(tenants: TenantMembership[], csrf = 'csrf-123'): Session {
  return {
    user: { id: 1, name: 'Test User', email: 'test@acme.example', subject: 'sub-1' },
    tenants,
    auth: 'session',
    csrf_token: csrf,
    expires_at: null,
  };
}

export function finding(id: number, over: Partial<Finding> = {}): Finding {
  return {
    id,
    target_id: 1,
    asset_id: 10 + id,
    asset_key: `apps/Deployment/shop/app-${id}`,
    check_id: 'k8s.privileged',
    check_title: 'Privileged container',
    csa: ['3.1.2.3'],
    sub_key: '',
    severity: 'high',
    status: 'open',
    triage: 'new',
    assignee: '',
    message: `finding ${id}`,
    namespace: 'shop',
    owner: 'team-shop',
    first_seen: '2026-11-20T10:00:00Z',
    last_seen: '2026-11-22T10:00:00Z',
    resolved_at: null,
    ...over,
  };
}

export function target(id: number, over: Partial<Target> = {}): Target {
  return {
    id,
    name: `cluster-${id}`,
    kind: 'cluster',
    settings: {},
    schedule: '15m',
    enabled: true,
    has_credentials: true,
    created_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
    last_run: {
      id: 100 + id,
      target_id: id,
      status: 'complete',
      started_at: '2026-11-22T10:00:00Z',
      finished_at: '2026-11-22T10:00:05Z',
      assets: 10,
      evaluated: 100,
      failed: 5,
      opened: 0,
      resolved: 0,
      reopened: 0,
      errors: [],
    },
    last_complete_at: '2026-11-22T10:00:05Z',
    stale: false,
    ...over,
  };
}

export function ticket(id: number, over: Partial<Ticket> = {}): Ticket {
  return {
    id,
    key: `PAL-${id}`,
    title: `ticket ${id}`,
    assignee: '',
    severity: 'high',
    status: 'open',
    due_at: '2026-12-01T00:00:00Z',
    overdue: false,
    created_by: 'alice@acme.example',
    created_at: '2026-11-20T10:00:00Z',
    updated_at: '2026-11-20T10:00:00Z',
    finding_ids: [1, 2],
    comments: [],
    ...over,
  };
}

/** A valid sha256 digest made of one repeated digit. */
export function digestOf(n: number): string {
  return `sha256:${String(n).repeat(64).slice(0, 64)}`;
}

export function imageSummary(n: number, over: Partial<ImageSummary> = {}): ImageSummary {
  return {
    digest: digestOf(n),
    registry: 'registry.acme.example',
    repository: `shop/app-${n}`,
    tags: [`shop/app-${n}:1.${n}`],
    platforms: ['linux/amd64'],
    created: '2026-11-01T00:00:00Z',
    size: 52_428_800,
    user: '1000',
    running_in: 2,
    observed_at: '2026-11-22T10:00:00Z',
    ...over,
  };
}

/** An ISO timestamp `hours` before now: advisory freshness is judged against the real clock. */
export function hoursAgo(hours: number): string {
  return new Date(Date.now() - hours * 3_600_000).toISOString();
}

/** A configured feed loaded two hours ago, with yesterday's newest record. */
export function advisoryFeed(ecosystem: string, over: Partial<AdvisoryFeed> = {}): AdvisoryFeed {
  return {
    ecosystem,
    source: 'https://osv-vulnerabilities.storage.googleapis.com',
    configured: true,
    refreshed_at: hoursAgo(2),
    feed_date: hoursAgo(20),
    attempted_at: hoursAgo(2),
    records: 12_000,
    error: '',
    max_age_hours: 72,
    ...over,
  };
}

/** A high-severity, fixable openssl vulnerability of image n. */
export function imageVulnerability(n: number, over: Partial<ImageVulnerability> = {}): ImageVulnerability {
  return {
    digest: digestOf(n),
    registry: 'registry.acme.example',
    repository: `shop/app-${n}`,
    advisory: `DEBIAN-CVE-2026-000${n}`,
    aliases: [`CVE-2026-000${n}`],
    package: 'openssl',
    installed: '3.0.11-1',
    fixed: '3.0.13-1',
    fix_available: true,
    severity: 'high',
    cvss: 7.5,
    cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
    summary: `openssl flaw ${n}`,
    published: '2026-10-01T00:00:00Z',
    first_seen: '2026-11-20T10:00:00Z',
    not_affected: false,
    running_in: 2,
    ...over,
  };
}

export function vexStatement(id: number, over: Partial<VEXStatement> = {}): VEXStatement {
  return {
    id,
    vulnerability: 'CVE-2026-0001',
    digest: '',
    component: '',
    status: 'not_affected',
    justification: 'vulnerable_code_not_in_execute_path',
    reason: 'the TLS code path is never used by this service',
    expires_at: '2099-01-31T23:59:59Z',
    created_by: 'sam@acme.example',
    created_at: '2026-11-21T10:00:00Z',
    ...over,
  };
}
