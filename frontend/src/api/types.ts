// Short names for the generated schema types (api/openapi.yaml -> schema.d.ts); never retyped by hand.
import type { components, paths } from './schema';

type S = components['schemas'];

export type Session = S['Session'];
export type TenantMembership = S['TenantMembership'];
export type Permission = S['Permission'];
export type Role = S['Role'];
export type Severity = S['Severity'];
export type FindingStatus = S['FindingStatus'];
export type Triage = S['Triage'];
export type Finding = S['Finding'];
export type FindingDetail = S['FindingDetail'];
export type FindingEvent = S['FindingEvent'];
export type TriageRequest = S['TriageRequest'];
export type Check = S['Check'];
export type Target = S['Target'];
export type TargetInput = S['TargetInput'];
export type TargetPatch = S['TargetPatch'];
export type TargetKind = S['TargetKind'];
export type Run = S['Run'];
export type Asset = S['Asset'];
export type AssetKind = S['AssetKind'];
export type ScoreValue = S['ScoreValue'];
export type ScoreSummary = S['ScoreSummary'];
export type ScorePoint = S['ScorePoint'];
export type ScoreExplanation = S['ScoreExplanation'];
export type SeverityCounts = S['SeverityCounts'];
export type RemediationMetrics = S['RemediationMetrics'];
export type Recommendation = S['Recommendation'];
export type Exception = S['Exception'];
export type ExceptionInput = S['ExceptionInput'];
export type ExceptionReport = S['ExceptionReport'];
export type Attestation = S['Attestation'];
export type AttestationInput = S['AttestationInput'];
export type RoleMapping = S['RoleMapping'];
export type APIToken = S['APIToken'];
export type NewAPIToken = S['NewAPIToken'];
export type AuditEntry = S['AuditEntry'];
export type ApiErrorBody = S['Error'];
export type Ticket = S['Ticket'];
export type TicketStatus = Ticket['status'];
export type TicketComment = Ticket['comments'][number];
export type DriftEvent = S['DriftEvent'];
export type DriftKind = DriftEvent['kind'];
export type DriftChange = S['DriftChange'];
export type Channel = S['Channel'];
export type ChannelKind = Channel['kind'];
export type AlertRule = S['AlertRule'];
export type ImageSummary = S['ImageSummary'];
export type ImageDetail = S['ImageDetail'];
export type ImageVariant = ImageDetail['variants'][number];
export type ImageVerification = ImageDetail['verifications'][number];
export type ImageUsage = ImageDetail['usages'][number];
export type TrustPolicy = S['TrustPolicy'];
export type TrustRule = TrustPolicy['rules'][number];
export type TrustKey = NonNullable<TrustRule['keys']>[number];
export type TrustIdentity = NonNullable<TrustRule['identities']>[number];
export type TrustPolicyDocument = S['TrustPolicyDocument'];
export type VulnSeverity = S['VulnSeverity'];
export type AdvisoryFeed = S['AdvisoryFeed'];
export type ImageVulnerability = S['ImageVulnerability'];
export type VulnerabilityDetail = S['VulnerabilityDetail'];
export type Advisory = VulnerabilityDetail['advisories'][number];
export type AffectedImage = VulnerabilityDetail['images'][number];
export type AffectedUsage = AffectedImage['usages'][number];
export type SBOMInfo = S['SBOMInfo'];
export type SBOMSource = SBOMInfo['source'];
export type VulnerabilityCounts = S['VulnerabilityCounts'];
/** A feed as the image detail names it: the ecosystems its packages use. */
export type ImageAdvisoryFeed = NonNullable<ImageDetail['advisory_feeds']>[number];
export type VEXStatement = S['VEXStatement'];

export type FindingSort = NonNullable<NonNullable<paths['/api/v1/tenants/{tenant}/findings']['get']['parameters']['query']>['sort']>;
export type ScoreScope = NonNullable<NonNullable<paths['/api/v1/tenants/{tenant}/scores/explain']['get']['parameters']['query']>['scope']>;

type Body<P extends keyof paths, M extends 'post' | 'patch'> = P extends keyof paths
  ? paths[P][M] extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : never
  : never;
export type TicketInput = Body<'/api/v1/tenants/{tenant}/tickets', 'post'>;
export type TicketPatch = Body<'/api/v1/tenants/{tenant}/tickets/{id}', 'patch'>;
export type ChannelInput = Body<'/api/v1/tenants/{tenant}/channels', 'post'>;
export type AlertRuleInput = Body<'/api/v1/tenants/{tenant}/alert-rules', 'post'>;
export type VEXInput = Body<'/api/v1/tenants/{tenant}/vex', 'post'>;
export type VEXJustification = VEXInput['justification'];
export type AlertKind = NonNullable<AlertRuleInput['kinds']>[number];
export type ChannelTestResult =
  paths['/api/v1/tenants/{tenant}/channels/{id}/test']['post']['responses'][200]['content']['application/json'];
export type Delivery =
  paths['/api/v1/tenants/{tenant}/deliveries']['get']['responses'][200]['content']['application/json']['items'][number];
export type DeliveryStatus = Delivery['status'];
