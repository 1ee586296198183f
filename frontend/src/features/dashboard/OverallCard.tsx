import { Card, CardBody, CardTitle, Content, Flex, FlexItem } from '@patternfly/react-core';
import { Link } from 'react-router';
import type { ScoreSummary } from '../../api/types';
import { OpenBySeverity, RiskText, ScoreText } from '../../components/ScoreText';
import { formatCount, formatRisk, formatScore } from '../../lib/format';
import { testIds } from '../../testids';

const T = testIds.dashboard;

/**
 * The tenant's two numbers (docs/scoring.md): risk for "how much danger is open", which one new
 * critical finding moves in any cluster, and compliance for "how much of the CSA catalog we
 * meet". Each shows what it is made of and opens the list behind it.
 */
export function OverallCard({ tenant, scores }: { tenant: string; scores: ScoreSummary }) {
  const o = scores.overall;
  const scored = scores.targets.filter((t) => t.taken_at).length;
  return (
    <Card isCompact isFullHeight>
      <CardTitle component="h2">Tenant posture</CardTitle>
      <CardBody>
        <Flex direction={{ default: 'column' }} gap={{ default: 'gapMd' }}>
          <FlexItem>
            <div className="pal-small pal-strong">Risk</div>
            <Link
              to={`/t/${tenant}/findings`}
              className="pal-bignum"
              data-testid={T.overallRisk}
              aria-label={`Risk ${formatRisk(o.risk)}: open the ${o.open} open findings`}
            >
              {/* No scored target yet: no data, which must not read as "no risk". */}
              {scored === 0 ? <ScoreText score={null} /> : <RiskText risk={o.risk} />}
            </Link>
            <Content component="p" className="pal-small">
              from {formatCount(o.open)} open finding{o.open === 1 ? '' : 's'}: <OpenBySeverity counts={o.open_by_severity} />
              {o.risk_without_exceptions !== o.risk && (
                <>
                  <br />
                  <span className="pal-muted">{formatRisk(o.risk_without_exceptions)} without approved exceptions</span>
                </>
              )}
            </Content>
          </FlexItem>
          <FlexItem>
            <div className="pal-small pal-strong">CSA compliance</div>
            <Link
              to={`/t/${tenant}/csa`}
              className="pal-bignum"
              data-testid={T.overallCompliance}
              aria-label={`Compliance ${formatScore(o.compliance)}: open the CSA recommendations`}
            >
              <ScoreText score={o.compliance} />
            </Link>
            <Content component="p" className="pal-small" data-testid={T.overallDetail}>
              {o.compliance === null ? (
                'No complete run has been scored yet.'
              ) : (
                <>
                  Mean of the {o.recommendations} CSA recommendations with evidence, over {scored} scored target{scored === 1 ? '' : 's'}.
                </>
              )}
              {o.needs_attestation > 0 && (
                <>
                  <br />
                  <Link to={`/t/${tenant}/csa?attestation=missing`} data-testid={T.attestationGaps}>
                    {o.needs_attestation} attestation gap{o.needs_attestation === 1 ? '' : 's'}
                  </Link>{' '}
                  <span className="pal-muted">(recommendations only a person can vouch for; not findings)</span>
                </>
              )}
              {scores.stale_targets > 0 && (
                <>
                  <br />
                  <span className="pal-muted">
                    Includes the last numbers of {scores.stale_targets} stale target{scores.stale_targets === 1 ? '' : 's'}.
                  </span>
                </>
              )}
            </Content>
          </FlexItem>
        </Flex>
      </CardBody>
    </Card>
  );
}
