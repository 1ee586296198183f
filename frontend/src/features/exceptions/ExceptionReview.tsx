import { useState } from 'react';
import { Button, Content, Flex, FlexItem, FormSelect, FormSelectOption, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { Exception, Target } from '../../api/types';
import { QueryState } from '../../components/QueryState';
import { formatAge, formatDate } from '../../lib/format';
import { testIds } from '../../testids';
import { useExceptionReport } from './api';
import { ExceptionScope } from './ExceptionScope';

const T = testIds.exceptions;
const WINDOWS = [7, 14, 30, 90];

type Props = {
  tenant: string;
  targets: Target[] | undefined;
  /** Offered on each row when the viewer may revoke. */
  onRevoke?: (e: Exception) => void;
};

/**
 * The review list: approved exceptions that expire soon (renew or let lapse on purpose), and
 * those that cover no open or suppressed finding any more (revoke them, or they will hide a
 * regression).
 */
export function ExceptionReview({ tenant, targets, onRevoke }: Props) {
  const [days, setDays] = useState(14);
  const report = useExceptionReport(tenant, days);
  const revoke = (e: Exception) =>
    onRevoke && (
      <Button size="sm" variant="link" isDanger onClick={() => onRevoke(e)}>
        Revoke
      </Button>
    );
  return (
    <div data-testid={T.review}>
      <Flex alignItems={{ default: 'alignItemsCenter' }}>
        <FlexItem>
          <Title headingLevel="h2" size="lg">
            Review
          </Title>
        </FlexItem>
        <FlexItem>
          <FormSelect
            aria-label="Expiring within"
            value={String(days)}
            onChange={(_e, v) => setDays(Number(v))}
            data-testid={T.reviewWindow}
            className="pal-select"
          >
            {WINDOWS.map((d) => (
              <FormSelectOption key={d} value={String(d)} label={`Expiring within ${d} days`} />
            ))}
          </FormSelect>
        </FlexItem>
      </Flex>
      <QueryState query={report} what="the exception review">
        {(r) => (
          <>
            <Title headingLevel="h3" size="md" className="pal-mt">
              Expire within {r.within_days} days ({r.expiring.length})
            </Title>
            {r.expiring.length === 0 ? (
              <Content component="p" className="pal-muted">
                No approved exception expires within {r.within_days} days.
              </Content>
            ) : (
              <Table aria-label="Exceptions expiring soon" variant="compact" data-testid={T.expiring} className="pal-table">
                <Thead>
                  <Tr>
                    <Th>#</Th>
                    <Th width={40}>Covers</Th>
                    <Th>Approved by</Th>
                    <Th>Expires</Th>
                    {onRevoke && <Th screenReaderText="Actions" />}
                  </Tr>
                </Thead>
                <Tbody>
                  {r.expiring.map((e) => (
                    <Tr key={e.id} data-testid={T.expiringRow(e.id)}>
                      <Td dataLabel="#">{e.id}</Td>
                      <Td dataLabel="Covers" className="pal-small">
                        <ExceptionScope tenant={tenant} exception={e} targets={targets} />
                      </Td>
                      <Td dataLabel="Approved by" className="pal-small">
                        {e.approved_by}
                      </Td>
                      <Td dataLabel="Expires" modifier="nowrap" className="pal-small">
                        {formatDate(e.expires_at)} <span className="pal-muted">({formatAge(e.expires_at)})</span>
                      </Td>
                      {onRevoke && <Td isActionCell>{revoke(e)}</Td>}
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            )}
            <Title headingLevel="h3" size="md" className="pal-mt">
              Cover nothing ({r.unmatched.length})
            </Title>
            {r.unmatched.length === 0 ? (
              <Content component="p" className="pal-muted">
                Every approved exception covers at least one open or suppressed finding.
              </Content>
            ) : (
              <Table aria-label="Exceptions that cover nothing" variant="compact" data-testid={T.unmatched} className="pal-table">
                <Thead>
                  <Tr>
                    <Th>#</Th>
                    <Th width={40}>Covers</Th>
                    <Th>Why it matches nothing</Th>
                    <Th>Expires</Th>
                    {onRevoke && <Th screenReaderText="Actions" />}
                  </Tr>
                </Thead>
                <Tbody>
                  {r.unmatched.map(({ exception: e, reason }) => (
                    <Tr key={e.id} data-testid={T.unmatchedRow(e.id)}>
                      <Td dataLabel="#">{e.id}</Td>
                      <Td dataLabel="Covers" className="pal-small">
                        <ExceptionScope tenant={tenant} exception={e} targets={targets} />
                      </Td>
                      <Td dataLabel="Why it matches nothing" className="pal-small">
                        {reason}
                      </Td>
                      <Td dataLabel="Expires" modifier="nowrap" className="pal-small">
                        {formatDate(e.expires_at)}
                      </Td>
                      {onRevoke && <Td isActionCell>{revoke(e)}</Td>}
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            )}
          </>
        )}
      </QueryState>
    </div>
  );
}
