import { Card, CardBody, CardHeader, CardTitle, Flex, FlexItem, Gallery, Label } from '@patternfly/react-core';
import { Link } from 'react-router';
import type { ScoreSummary, Target } from '../../api/types';
import { RelativeTime } from '../../components/RelativeTime';
import { OpenBySeverity, RiskText, ScoreText } from '../../components/ScoreText';
import { StaleLabel } from '../../components/StaleLabel';
import { formatRisk, formatScore } from '../../lib/format';
import { testIds } from '../../testids';
import { RunStatusLabel } from '../targets/RunStatusLabel';
import { findingsHref } from '../findings/filters';

const T = testIds.dashboard;

/** Most risk first; targets without numbers yet last, by name. */
function byRisk(targets: Target[], scores: ScoreSummary['targets']): Target[] {
  const risk = (t: Target) => {
    const s = scores.find((x) => x.target_id === t.id);
    return s?.taken_at ? s.risk : -1;
  };
  return [...targets].sort((a, b) => risk(b) - risk(a) || a.name.localeCompare(b.name));
}

export function TargetCards({ tenant, scores, targets }: { tenant: string; scores: ScoreSummary['targets']; targets: Target[] }) {
  return (
    <Gallery hasGutter minWidths={{ default: '280px' }}>
      {byRisk(targets, scores).map((t) => {
        const s = scores.find((x) => x.target_id === t.id);
        return (
          <Card key={t.id} isCompact data-testid={T.targetCard(t.id)}>
            <CardHeader>
              <CardTitle component="h3">
                <Link to={`/t/${tenant}/targets`}>{t.name}</Link>{' '}
                <Label isCompact variant="outline">
                  {t.kind}
                </Label>
                {!t.enabled && (
                  <Label isCompact color="grey" className="pal-ml">
                    disabled
                  </Label>
                )}
              </CardTitle>
            </CardHeader>
            <CardBody>
              <Flex alignItems={{ default: 'alignItemsFlexStart' }} gap={{ default: 'gapLg' }}>
                <FlexItem>
                  <div className="pal-small">Risk</div>
                  <Link
                    to={findingsHref(tenant, { target: t.id })}
                    className="pal-mednum"
                    data-testid={T.targetRisk(t.id)}
                    aria-label={`Risk ${s?.taken_at ? formatRisk(s.risk) : 'n/a'} ${t.name}: open its findings`}
                  >
                    {s?.taken_at ? <RiskText risk={s.risk} /> : <ScoreText score={null} />}
                  </Link>
                </FlexItem>
                <FlexItem>
                  <div className="pal-small">Compliance</div>
                  <span
                    className="pal-mednum"
                    data-testid={T.targetCompliance(t.id)}
                    aria-label={`Compliance ${formatScore(s?.compliance)}`}
                  >
                    <ScoreText score={s?.compliance ?? null} />
                  </span>
                </FlexItem>
              </Flex>
              <div className="pal-small">
                {s?.taken_at ? (
                  <>
                    {s.open} open: <OpenBySeverity counts={s.open_by_severity} /> · {s.recommendations} recommendations with evidence
                  </>
                ) : (
                  <span className="pal-muted">not scored yet</span>
                )}
                <div>
                  scored <RelativeTime at={s?.taken_at} never="never" />
                </div>
              </div>
              <div className="pal-small pal-mt-sm">
                Last run: {t.last_run ? <RunStatusLabel run={t.last_run} /> : <span className="pal-muted">none</span>}{' '}
                {t.last_run && <RelativeTime at={t.last_run.finished_at ?? t.last_run.started_at} />}
              </div>
              {(t.stale || s?.stale) && (
                <div className="pal-mt-sm">
                  <StaleLabel lastComplete={t.last_complete_at} testId={T.targetStale(t.id)} />
                </div>
              )}
            </CardBody>
          </Card>
        );
      })}
    </Gallery>
  );
}
