// Runtime lists of the spec's enums, for selects and URL validation. The `satisfies` plus
// the Exhaustive checks make tsc fail when the spec adds or drops a value.
import type {
  AlertKind,
  ChannelKind,
  DeliveryStatus,
  DriftKind,
  FindingSort,
  FindingStatus,
  Permission,
  Role,
  Severity,
  TicketStatus,
  SBOMSource,
  Triage,
  VEXJustification,
  VulnSeverity,
} from './types';

type Exhaustive<All extends string, Listed extends readonly string[]> = [All] extends [Listed[number]] ? true : never;

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const satisfies readonly Severity[];
export const FINDING_STATUSES = ['open', 'resolved', 'suppressed'] as const satisfies readonly FindingStatus[];
export const TRIAGE_STATES = ['new', 'acknowledged', 'in_progress', 'false_positive', 'wont_fix'] as const satisfies readonly Triage[];
export const ROLES = ['admin', 'security-manager', 'operator', 'auditor', 'viewer'] as const satisfies readonly Role[];
export const FINDING_SORTS = [
  'severity',
  '-severity',
  'first_seen',
  '-first_seen',
  'last_seen',
  '-last_seen',
] as const satisfies readonly FindingSort[];
export const PERMISSIONS = [
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
] as const satisfies readonly Permission[];

export const TICKET_STATUSES = ['open', 'in_progress', 'resolved', 'verified', 'reopened'] as const satisfies readonly TicketStatus[];
/** The statuses a person may set; verified and reopened are set by runs. */
export const SETTABLE_TICKET_STATUSES = ['open', 'in_progress', 'resolved'] as const satisfies readonly TicketStatus[];
export const DRIFT_KINDS = ['new_finding', 'regression', 'resolved', 'score_drop', 'config_drift'] as const satisfies readonly DriftKind[];
export const CHANNEL_KINDS = ['webhook', 'slack', 'email', 'ticket-sync'] as const satisfies readonly ChannelKind[];
export const CHANNEL_KIND_LABELS: Record<ChannelKind, string> = {
  webhook: 'Webhook',
  slack: 'Slack',
  email: 'Email (SMTP)',
  'ticket-sync': 'Ticket sync (Jira-shaped webhook)',
};
/** Channels that carry alerts; ticket-sync channels carry tickets and take no alert rules. */
export const ALERT_CHANNEL_KINDS = ['webhook', 'slack', 'email'] as const satisfies readonly ChannelKind[];
export const ALERT_KINDS = [
  'new_finding',
  'regression',
  'resolved',
  'score_drop',
  'config_drift',
  'exception_expired',
  'attestation_expired',
  'ticket_overdue',
] as const satisfies readonly AlertKind[];
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'dead'] as const satisfies readonly DeliveryStatus[];

/** Vulnerability severities, worst first; "unknown" means the advisory gives none, not "low". */
export const VULN_SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const satisfies readonly VulnSeverity[];
export const VULN_SEVERITY_LABELS: Record<VulnSeverity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  unknown: 'Unknown severity',
};
/** OpenVEX's justifications for "not affected", in the order a reviewer would consider them. */
export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const satisfies readonly VEXJustification[];
export const VEX_JUSTIFICATION_LABELS: Record<VEXJustification, string> = {
  component_not_present: 'The vulnerable package is not in the image',
  vulnerable_code_not_present: 'The package is there, but not the vulnerable code',
  vulnerable_code_not_in_execute_path: 'The vulnerable code is never run',
  vulnerable_code_cannot_be_controlled_by_adversary: 'An attacker cannot reach or control the vulnerable code',
  inline_mitigations_already_exist: 'Mitigations already in place prevent exploitation',
};
export const SBOM_SOURCES = ['attestation', 'upload', 'extractor'] as const satisfies readonly SBOMSource[];

export const enumsAreExhaustive: [
  Exhaustive<Severity, typeof SEVERITIES>,
  Exhaustive<FindingStatus, typeof FINDING_STATUSES>,
  Exhaustive<Triage, typeof TRIAGE_STATES>,
  Exhaustive<Role, typeof ROLES>,
  Exhaustive<FindingSort, typeof FINDING_SORTS>,
  Exhaustive<Permission, typeof PERMISSIONS>,
  Exhaustive<TicketStatus, typeof TICKET_STATUSES>,
  Exhaustive<DriftKind, typeof DRIFT_KINDS>,
  Exhaustive<ChannelKind, typeof CHANNEL_KINDS>,
  Exhaustive<AlertKind, typeof ALERT_KINDS>,
  Exhaustive<DeliveryStatus, typeof DELIVERY_STATUSES>,
  Exhaustive<VulnSeverity, typeof VULN_SEVERITIES>,
  Exhaustive<VEXJustification, typeof VEX_JUSTIFICATIONS>,
  Exhaustive<SBOMSource, typeof SBOM_SOURCES>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true];

export const TICKET_STATUS_LABELS: Record<TicketStatus, string> = {
  open: 'Open',
  in_progress: 'In progress',
  resolved: 'Resolved',
  verified: 'Verified',
  reopened: 'Reopened',
};

export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  new_finding: 'New finding',
  regression: 'Regression',
  resolved: 'Resolved',
  score_drop: 'Score drop',
  config_drift: 'Config drift',
  exception_expired: 'Exception expired',
  attestation_expired: 'Attestation expired',
  ticket_overdue: 'Ticket overdue',
};

export const TRIAGE_LABELS: Record<Triage, string> = {
  new: 'New',
  acknowledged: 'Acknowledged',
  in_progress: 'In progress',
  false_positive: 'False positive',
  wont_fix: "Won't fix",
};

// The server's sort names read "most relevant first" without a sign: `severity` is critical
// first and `first_seen` newest first; a leading "-" reverses that (backend/store/findingsort.go).
export const SORT_LABELS: Record<FindingSort, string> = {
  severity: 'Severity, critical first',
  '-severity': 'Severity, info first',
  first_seen: 'First seen, newest first',
  '-first_seen': 'First seen, oldest first',
  last_seen: 'Last seen, newest first',
  '-last_seen': 'Last seen, oldest first',
};

export function isOneOf<T extends string>(list: readonly T[], value: string | null | undefined): value is T {
  return value != null && (list as readonly string[]).includes(value);
}
