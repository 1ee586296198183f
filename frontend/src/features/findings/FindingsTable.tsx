import { Checkbox, Label } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr, type ThProps } from '@patternfly/react-table';
import { Link } from 'react-router';
import { TRIAGE_LABELS } from '../../api/enums';
import type { Finding, FindingSort } from '../../api/types';
import { RelativeTime } from '../../components/RelativeTime';
import { SeverityLabel } from '../../components/SeverityLabel';
import { testIds } from '../../testids';
import { sortFor, sortState, type SortColumn } from './sortColumns';

const T = testIds.findings;
// PatternFly's checkbox-cell class: our own Checkbox (with a real label and test id) in PF's slot.
const CHECK_CELL = 'pf-v6-c-table__check';

export function FindingsTable({
  tenant,
  findings,
  selectable,
  selected,
  onSelect,
  sort,
  onSort,
}: {
  tenant: string;
  findings: Finding[];
  /** Only when the role can act on a selection (triage or exception request). */
  selectable: boolean;
  selected: ReadonlySet<number>;
  onSelect: (ids: number[], on: boolean) => void;
  sort: FindingSort | undefined;
  onSort: (sort: FindingSort | undefined) => void;
}) {
  const state = sortState(sort);
  const columns: SortColumn[] = ['severity', 'first_seen', 'last_seen'];
  const sortable = (column: SortColumn): ThProps['sort'] => ({
    columnIndex: columns.indexOf(column),
    sortBy: { index: columns.indexOf(state.column), direction: state.direction, defaultDirection: 'desc' },
    onSort: (_e, _i, direction) => onSort(sortFor(column, direction)),
  });
  const allSelected = findings.length > 0 && findings.every((f) => selected.has(f.id));
  const someSelected = findings.some((f) => selected.has(f.id));

  return (
    <Table aria-label="Findings" variant="compact" data-testid={T.table} className="pal-table">
      <Thead>
        <Tr>
          {selectable && (
            <Th className={CHECK_CELL} aria-label="Selection">
              <Checkbox
                id="select-page"
                aria-label="Select every finding on this page"
                isChecked={allSelected ? true : someSelected ? null : false}
                onChange={(_e, on) =>
                  onSelect(
                    findings.map((f) => f.id),
                    on,
                  )
                }
                data-testid={T.selectPage}
              />
            </Th>
          )}
          <Th sort={sortable('severity')} modifier="fitContent">
            Severity
          </Th>
          <Th width={40}>Finding</Th>
          <Th width={25}>Asset</Th>
          <Th modifier="fitContent">Owner</Th>
          <Th modifier="fitContent">Triage</Th>
          <Th sort={sortable('first_seen')} modifier="fitContent">
            First seen
          </Th>
          <Th sort={sortable('last_seen')} modifier="fitContent">
            Last seen
          </Th>
        </Tr>
      </Thead>
      <Tbody>
        {findings.map((f) => (
          <Tr key={f.id} data-testid={T.row(f.id)} isRowSelected={selected.has(f.id)}>
            {selectable && (
              <Td className={CHECK_CELL}>
                <Checkbox
                  id={`select-finding-${f.id}`}
                  aria-label={`Select finding #${f.id}: ${f.check_title || f.check_id} on ${f.asset_key}`}
                  isChecked={selected.has(f.id)}
                  onChange={(_e, on) => onSelect([f.id], on)}
                  data-testid={T.rowCheckbox(f.id)}
                />
              </Td>
            )}
            <Td dataLabel="Severity">
              <SeverityLabel severity={f.severity} />
              {f.status !== 'open' && (
                <Label isCompact variant="outline" className="pal-ml">
                  {f.status}
                </Label>
              )}
            </Td>
            <Td dataLabel="Finding">
              <Link to={`/t/${tenant}/findings/${f.id}`} data-testid={T.rowLink(f.id)} className="pal-strong">
                {f.check_title || f.check_id}
              </Link>
              <div className="pal-muted pal-small pal-break">{f.message}</div>
            </Td>
            <Td dataLabel="Asset" className="pal-break pal-small">
              <code className="pal-break">{f.asset_key}</code>
              {f.sub_key && <div className="pal-muted">{f.sub_key}</div>}
            </Td>
            <Td dataLabel="Owner" className="pal-small">
              {f.owner || <span className="pal-muted">none</span>}
            </Td>
            <Td dataLabel="Triage" className="pal-small">
              {TRIAGE_LABELS[f.triage]}
              <div className={f.assignee ? undefined : 'pal-muted'}>{f.assignee || 'unassigned'}</div>
            </Td>
            <Td dataLabel="First seen" modifier="nowrap" className="pal-small">
              <RelativeTime at={f.first_seen} />
            </Td>
            <Td dataLabel="Last seen" modifier="nowrap" className="pal-small">
              <RelativeTime at={f.last_seen} />
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
