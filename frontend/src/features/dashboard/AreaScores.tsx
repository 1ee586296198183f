import { Card, CardBody, CardTitle, Progress, ProgressMeasureLocation, ProgressSize } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import type { ScoreSummary } from '../../api/types';
import { RiskText, ScoreText } from '../../components/ScoreText';
import { formatCount, formatScore, scoreBand } from '../../lib/format';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';

const variants = { good: 'success', fair: 'warning', poor: 'danger', none: undefined } as const;

/** Per CSA area: its compliance (mean of its recommendations) and the risk of its open findings. */
export function AreaScores({ tenant, areas }: { tenant: string; areas: ScoreSummary['areas'] }) {
  return (
    <Card isCompact>
      <CardTitle component="h2">Per CSA area</CardTitle>
      <CardBody>
        <div className="pal-table-scroll">
          <Table aria-label="Compliance and risk per CSA area" variant="compact" className="pal-table">
            <Thead>
              <Tr>
                <Th width={35}>Area</Th>
                <Th width={30}>Compliance</Th>
                <Th modifier="nowrap">Risk</Th>
                <Th modifier="nowrap">Open findings</Th>
                <Th modifier="nowrap">Attestation gaps</Th>
              </Tr>
            </Thead>
            <Tbody>
              {areas.map((a) => (
                <Tr key={a.id} data-testid={testIds.dashboard.areaRow(a.id)}>
                  <Td dataLabel="Area">
                    <code>{a.id}</code> {a.title}
                  </Td>
                  <Td dataLabel="Compliance">
                    {a.compliance === null ? (
                      <span className="pal-muted">
                        <ScoreText score={null} /> · no evidence
                      </span>
                    ) : (
                      <Link
                        to={`/t/${tenant}/csa#area-${a.id}`}
                        data-testid={testIds.dashboard.areaScoreLink(a.id)}
                        aria-label={`Compliance ${formatScore(a.compliance)} ${a.title}: open its recommendations`}
                      >
                        <Progress
                          value={a.compliance}
                          title=""
                          aria-label={`${a.id} compliance`}
                          size={ProgressSize.sm}
                          measureLocation={ProgressMeasureLocation.outside}
                          label={<ScoreText score={a.compliance} />}
                          variant={variants[scoreBand(a.compliance)]}
                          className="pal-progress"
                        />
                      </Link>
                    )}
                  </Td>
                  <Td dataLabel="Risk">
                    <RiskText risk={a.risk} />
                  </Td>
                  <Td dataLabel="Open findings">
                    {a.open > 0 ? (
                      <Link to={findingsHref(tenant, { csa: a.id })} data-testid={testIds.dashboard.areaOpen(a.id)}>
                        {formatCount(a.open)}
                      </Link>
                    ) : (
                      0
                    )}
                  </Td>
                  <Td dataLabel="Attestation gaps">
                    {a.needs_attestation > 0 ? (
                      <Link to={`/t/${tenant}/csa?attestation=missing#area-${a.id}`} data-testid={testIds.dashboard.areaGaps(a.id)}>
                        {a.needs_attestation}
                      </Link>
                    ) : (
                      0
                    )}
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </div>
      </CardBody>
    </Card>
  );
}
