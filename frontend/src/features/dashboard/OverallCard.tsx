import { Card, CardBody, CardTitle, Content } from '@patternfly/react-core';
import { Link } from 'react-router';
import type { ScoreSummary } from '../../api/types';
import { ScoreDenominator, ScoreText } from '../../components/ScoreText';
import { formatScore } from '../../lib/format';
import { testIds } from '../../testids';

export function OverallCard({ tenant, scores }: { tenant: string; scores: ScoreSummary }) {
  const withEvidence = scores.areas.filter((a) => a.score !== null).length;
  return (
    <Card isCompact isFullHeight>
      <CardTitle component="h2">Overall score</CardTitle>
      <CardBody>
        <Link
          to={`/t/${tenant}/findings`}
          className="pal-bignum"
          data-testid={testIds.dashboard.overallScore}
          aria-label={`${formatScore(scores.overall.score)} overall: open the findings`}
        >
          <ScoreText score={scores.overall.score} />
        </Link>
        <Content component="p" className="pal-small" data-testid={testIds.dashboard.overallDetail}>
          {scores.overall.score === null ? (
            'No complete run has been scored yet.'
          ) : (
            <>
              Mean of the {withEvidence} of {scores.areas.length} CSA areas with evidence, over {scores.targets.length} target
              {scores.targets.length === 1 ? '' : 's'}.
            </>
          )}
          <br />
          <ScoreDenominator evaluated={scores.overall.evaluated} failed={scores.overall.failed} />
        </Content>
      </CardBody>
    </Card>
  );
}
