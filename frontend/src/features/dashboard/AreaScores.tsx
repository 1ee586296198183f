import { Card, CardBody, CardTitle, Progress, ProgressMeasureLocation, ProgressSize } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import type { ScoreSummary } from '../../api/types';
import { ScoreText } from '../../components/ScoreText';
import { formatCount, formatScore, scoreBand } from '../../lib/format';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';

const variants = { good: 'success', fair: 'warning', poor: 'danger', none: undefined } as const;

export function AreaScores({ tenant, areas }: { tenant: string; areas: ScoreSummary['areas'] }) {
  return (
    <Card isCompact>
      <CardTitle component="h2">Score per CSA area</CardTitle>
      <CardBody>
        <Table aria-label="Score per CSA area" variant="compact" className="pal-table">
          <Thead>
            <Tr>
              <Th width={50}>Area</Th>
              <Th width={30}>Score</Th>
              <Th modifier="nowrap">Evaluated</Th>
              <Th modifier="nowrap">Failed</Th>
            </Tr>
          </Thead>
          <Tbody>
            {areas.map((a) => (
              <Tr key={a.id} data-testid={testIds.dashboard.areaRow(a.id)}>
                <Td dataLabel="Area">
                  <code>{a.id}</code> {a.title}
                </Td>
                <Td dataLabel="Score">
                  {a.score === null ? (
                    <span className="pal-muted">
                      <ScoreText score={null} /> · no evidence
                    </span>
                  ) : (
                    <Link
                      to={findingsHref(tenant, { csa: a.id })}
                      data-testid={testIds.dashboard.areaScoreLink(a.id)}
                      aria-label={`${formatScore(a.score)} ${a.title}: open its findings`}
                    >
                      <Progress
                        value={a.score}
                        title=""
                        aria-label={`${a.id} score`}
                        size={ProgressSize.sm}
                        measureLocation={ProgressMeasureLocation.outside}
                        label={<ScoreText score={a.score} />}
                        variant={variants[scoreBand(a.score)]}
                        className="pal-progress"
                      />
                    </Link>
                  )}
                </Td>
                <Td dataLabel="Evaluated">{formatCount(a.evaluated)}</Td>
                <Td dataLabel="Failed">
                  {a.failed > 0 ? <Link to={findingsHref(tenant, { csa: a.id })}>{formatCount(a.failed)}</Link> : 0}
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      </CardBody>
    </Card>
  );
}
