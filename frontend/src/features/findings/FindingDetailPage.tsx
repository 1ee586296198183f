import { useState } from 'react';
import {
  Breadcrumb,
  BreadcrumbItem,
  Button,
  Card,
  CardBody,
  CardTitle,
  CodeBlock,
  CodeBlockCode,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  Grid,
  GridItem,
  Label,
  List,
  ListItem,
  PageSection,
} from '@patternfly/react-core';
import { Link, useParams } from 'react-router';
import { TRIAGE_LABELS } from '../../api/enums';
import type { FindingDetail } from '../../api/types';
import { Can } from '../../auth/Can';
import { useTenant } from '../../auth/permissions';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { SeverityLabel } from '../../components/SeverityLabel';
import { NotFoundPage } from '../../app/NotFoundPage';
import { formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { useRecommendations } from '../csa/api';
import { useTargets } from '../targets/api';
import { useFinding } from './api';
import { FindingEvidence } from './FindingEvidence';
import { FindingHistory } from './FindingHistory';
import { FindingImages } from './FindingImages';
import { findingsHref } from './filters';
import { RequestExceptionModal } from './RequestExceptionModal';
import { TriageModal } from './TriageModal';

const T = testIds.finding;

export function FindingDetailPage() {
  const id = Number(useParams().id);
  if (!Number.isSafeInteger(id) || id < 1) return <NotFoundPage />;
  return <FindingPage id={id} />;
}

function FindingPage({ id }: { id: number }) {
  const tenant = useTenant();
  const finding = useFinding(tenant.slug, id);
  usePageTitle(finding.data ? `Finding #${id}: ${finding.data.check_title}` : `Finding #${id}`, tenant.name);
  return (
    <div data-testid={T.page}>
      <PageSection className="pal-breadcrumb">
        <Breadcrumb>
          <BreadcrumbItem>
            <Link to={`/t/${tenant.slug}/findings`}>Findings</Link>
          </BreadcrumbItem>
          <BreadcrumbItem isActive>#{id}</BreadcrumbItem>
        </Breadcrumb>
      </PageSection>
      <QueryState query={finding} what={`finding #${id}`}>
        {(f) => <FindingDetail finding={f} />}
      </QueryState>
    </div>
  );
}

/** http(s) references become links; anything else stays text (no javascript: URLs). */
function Reference({ value }: { value: string }) {
  return /^https?:\/\//i.test(value) ? (
    <a href={value} target="_blank" rel="noopener noreferrer">
      {value}
    </a>
  ) : (
    <span>{value}</span>
  );
}

function FindingDetail({ finding: f }: { finding: FindingDetail }) {
  const tenant = useTenant();
  const targets = useTargets(tenant.slug);
  const recommendations = useRecommendations(tenant.slug);
  const [dialog, setDialog] = useState<'triage' | 'exception' | null>(null);
  const targetName = targets.data?.find((t) => t.id === f.target_id)?.name ?? `#${f.target_id}`;
  const href = (filters: Parameters<typeof findingsHref>[1]) => findingsHref(tenant.slug, filters);

  return (
    <>
      <PageHeader
        title={<span data-testid={T.title}>{f.check_title || f.check_id}</span>}
        description={f.message}
        actions={
          <Flex gap={{ default: 'gapSm' }}>
            <Can perm="finding.triage">
              <Button variant="secondary" onClick={() => setDialog('triage')} data-testid={T.triageButton}>
                Triage…
              </Button>
            </Can>
            <Can perm="exception.request">
              <Button variant="secondary" onClick={() => setDialog('exception')} data-testid={T.exceptionButton}>
                Request exception…
              </Button>
            </Can>
          </Flex>
        }
      />
      <PageSection>
        <Grid hasGutter>
          <GridItem xl={8}>
            <Card isCompact>
              <CardBody>
                <DescriptionList isCompact isHorizontal columnModifier={{ default: '1Col', lg: '2Col' }}>
                  <Term label="Severity">
                    <SeverityLabel severity={f.severity} testId={T.severity} />
                  </Term>
                  <Term label="Status">
                    <span data-testid={T.status}>{f.status}</span>
                    {f.resolved_at && <span className="pal-muted"> at {formatDateTime(f.resolved_at)}</span>}
                  </Term>
                  <Term label="Triage">
                    <span data-testid={T.triage}>{TRIAGE_LABELS[f.triage]}</span>
                  </Term>
                  <Term label="Assignee">{f.assignee || <span className="pal-muted">unassigned</span>}</Term>
                  <Term label="Check">
                    <Link to={href({ check: [f.check_id] })}>
                      <code>{f.check_id}</code>
                    </Link>
                  </Term>
                  <Term label="Target">
                    <Link to={href({ target: f.target_id })}>{targetName}</Link>
                  </Term>
                  <Term label="Asset">
                    <Link to={href({ q: f.asset_key })} className="pal-break">
                      <code>{f.asset_key}</code>
                    </Link>
                    {f.sub_key && <div className="pal-muted">{f.sub_key}</div>}
                  </Term>
                  <Term label="Namespace">
                    {f.namespace ? (
                      <Link to={href({ namespace: f.namespace })}>{f.namespace}</Link>
                    ) : (
                      <span className="pal-muted">cluster-scoped</span>
                    )}
                  </Term>
                  <Term label="Owner">
                    {f.owner ? <Link to={href({ owner: f.owner })}>{f.owner}</Link> : <span className="pal-muted">no owner label</span>}
                  </Term>
                  <Term label="First seen">{formatDateTime(f.first_seen)}</Term>
                  <Term label="Last seen">{formatDateTime(f.last_seen)}</Term>
                </DescriptionList>
              </CardBody>
            </Card>
            <Card isCompact className="pal-mt">
              <CardTitle component="h2">Evidence</CardTitle>
              <CardBody>
                <FindingEvidence evidence={f.evidence} />
              </CardBody>
            </Card>
            <Card isCompact className="pal-mt">
              <CardTitle component="h2">Remediation</CardTitle>
              <CardBody>
                {f.remediation ? (
                  <CodeBlock data-testid={T.remediation}>
                    <CodeBlockCode className="pal-prewrap">{f.remediation}</CodeBlockCode>
                  </CodeBlock>
                ) : (
                  <span className="pal-muted">No remediation text for this check.</span>
                )}
                {f.references.length > 0 && (
                  <List data-testid={T.references} className="pal-mt" aria-label="References">
                    {f.references.map((r) => (
                      <ListItem key={r}>
                        <Reference value={r} />
                      </ListItem>
                    ))}
                  </List>
                )}
              </CardBody>
            </Card>
          </GridItem>
          <GridItem xl={4}>
            <Card isCompact>
              <CardTitle component="h2">CSA recommendations</CardTitle>
              <CardBody data-testid={T.csa}>
                {f.csa.length === 0 ? (
                  <span className="pal-muted">This check maps to no CSA recommendation.</span>
                ) : (
                  <List isPlain>
                    {f.csa.map((id) => {
                      const rec = recommendations.data?.find((r) => r.id === id);
                      return (
                        <ListItem key={id}>
                          <Link to={href({ csa: id })}>
                            <Label isCompact>{id}</Label>
                          </Link>{' '}
                          {rec ? rec.title : <span className="pal-muted">{recommendations.isPending ? 'loading…' : ''}</span>}
                        </ListItem>
                      );
                    })}
                  </List>
                )}
              </CardBody>
            </Card>
            <Card isCompact className="pal-mt">
              <CardTitle component="h2">History</CardTitle>
              <CardBody>
                <FindingHistory tenant={tenant.slug} id={f.id} />
              </CardBody>
            </Card>
            <FindingImages tenant={tenant.slug} assetId={f.asset_id} assetKey={f.asset_key} targetId={f.target_id} />
          </GridItem>
        </Grid>
      </PageSection>
      {dialog === 'triage' && <TriageModal tenant={tenant.slug} ids={[f.id]} onClose={() => setDialog(null)} />}
      {dialog === 'exception' && (
        <RequestExceptionModal tenant={tenant.slug} findings={[f]} targets={targets.data} onClose={() => setDialog(null)} />
      )}
    </>
  );
}

function Term({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{label}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}
