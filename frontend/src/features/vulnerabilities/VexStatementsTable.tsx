import { Button, Label } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import { VEX_JUSTIFICATION_LABELS, VEX_JUSTIFICATIONS, isOneOf } from '../../api/enums';
import type { VEXStatement } from '../../api/types';
import { formatDate, formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { imageHref, shortDigest } from '../images/imageFilters';
import { vulnerabilityHref } from './vulnFilters';

const T = testIds.vex;

function justificationText(j: string): string {
  return isOneOf(VEX_JUSTIFICATIONS, j) ? VEX_JUSTIFICATION_LABELS[j] : j;
}

/** VEX statements; the revoke action only when `onRevoke` is given (the caller checks the permission). */
export function VexStatementsTable({
  tenant,
  statements,
  onRevoke,
}: {
  tenant: string;
  statements: VEXStatement[];
  onRevoke?: (s: VEXStatement) => void;
}) {
  const now = Date.now();
  return (
    <Table aria-label="VEX statements" variant="compact" data-testid={T.table} className="pal-table">
      <Thead>
        <Tr>
          <Th>#</Th>
          <Th>Vulnerability</Th>
          <Th width={20}>Covers</Th>
          <Th width={20}>Justification</Th>
          <Th width={25}>Reason</Th>
          <Th>Declared</Th>
          <Th>Expires</Th>
          {onRevoke && <Th screenReaderText="Actions" />}
        </Tr>
      </Thead>
      <Tbody>
        {statements.map((s) => {
          const expired = new Date(s.expires_at).getTime() <= now;
          return (
            <Tr key={s.id} data-testid={T.row(s.id)}>
              <Td dataLabel="#">{s.id}</Td>
              <Td dataLabel="Vulnerability">
                <Link to={vulnerabilityHref(tenant, s.vulnerability)} className="pal-break">
                  {s.vulnerability}
                </Link>
              </Td>
              <Td dataLabel="Covers" className="pal-small">
                {s.digest ? (
                  <Link to={imageHref(tenant, s.digest)} title={s.digest}>
                    image <code>{shortDigest(s.digest)}</code>
                  </Link>
                ) : (
                  'every image'
                )}
                <div className={s.component ? undefined : 'pal-muted'}>
                  {s.component ? (
                    <>
                      package <code className="pal-break">{s.component}</code>
                    </>
                  ) : (
                    'any package'
                  )}
                </div>
              </Td>
              <Td dataLabel="Justification" className="pal-small">
                {justificationText(s.justification)}
              </Td>
              <Td dataLabel="Reason" className="pal-small pal-prewrap pal-break">
                {s.reason}
              </Td>
              <Td dataLabel="Declared" className="pal-small">
                {s.created_by}
                <div className="pal-muted">{formatDateTime(s.created_at)}</div>
              </Td>
              <Td dataLabel="Expires" modifier="nowrap" className="pal-small">
                {formatDate(s.expires_at)}
                {expired && (
                  <Label isCompact color="grey" className="pal-ml">
                    expired
                  </Label>
                )}
              </Td>
              {onRevoke && (
                <Td dataLabel="Actions" isActionCell>
                  <Button size="sm" variant="link" isDanger onClick={() => onRevoke(s)} data-testid={T.revoke(s.id)}>
                    Revoke
                  </Button>
                </Td>
              )}
            </Tr>
          );
        })}
      </Tbody>
    </Table>
  );
}
