import {
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Content,
  FormSelect,
  FormSelectOption,
  Gallery,
  PageSection,
  ToggleGroup,
  ToggleGroupItem,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link, useSearchParams } from 'react-router';
import { TICKET_STATUSES, TICKET_STATUS_LABELS } from '../../api/enums';
import type { Ticket } from '../../api/types';
import { useTenant } from '../../auth/permissions';
import { EmptyMessage } from '../../components/EmptyMessage';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { SeverityLabel } from '../../components/SeverityLabel';
import { testIds } from '../../testids';
import { useTickets } from './api';
import { TicketDue, TicketStatusLabel } from './TicketLabels';
import { groupByStatus, parseTicketStatus } from './ticketModel';

const T = testIds.tickets;
type View = 'table' | 'board';

export function TicketsPage() {
  const tenant = useTenant();
  usePageTitle('Tickets', tenant.name);
  const [params, setParams] = useSearchParams();
  const status = parseTicketStatus(params.get('status'));
  const view: View = params.get('view') === 'board' ? 'board' : 'table';
  const tickets = useTickets(tenant.slug, status);

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Tickets"
        description="Remediation work on findings. Create a ticket from selected findings; a run marks it verified when they are fixed, or reopens it when they come back."
      />
      <PageSection>
        <Toolbar inset={{ default: 'insetNone' }}>
          <ToolbarContent>
            <ToolbarItem>
              <FormSelect
                aria-label="Status"
                value={status}
                onChange={(_e, v) => setParam('status', v)}
                data-testid={T.statusFilter}
                className="pal-select"
              >
                <FormSelectOption value="" label="Any status" />
                {TICKET_STATUSES.map((s) => (
                  <FormSelectOption key={s} value={s} label={TICKET_STATUS_LABELS[s]} />
                ))}
              </FormSelect>
            </ToolbarItem>
            <ToolbarItem>
              <ToggleGroup aria-label="Show tickets as">
                <ToggleGroupItem
                  text="Table"
                  buttonId="tickets-view-table"
                  isSelected={view === 'table'}
                  onChange={() => setParam('view', '')}
                  data-testid={T.viewToggle('table')}
                />
                <ToggleGroupItem
                  text="Board"
                  buttonId="tickets-view-board"
                  isSelected={view === 'board'}
                  onChange={() => setParam('view', 'board')}
                  data-testid={T.viewToggle('board')}
                />
              </ToggleGroup>
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        <QueryState query={tickets} what="tickets">
          {(items) =>
            items.length === 0 ? (
              <EmptyMessage title={status ? 'No ticket has this status' : 'No tickets'}>
                {status ? null : 'Select findings on the Findings page and choose "Create ticket".'}
              </EmptyMessage>
            ) : view === 'board' ? (
              <TicketBoard tenant={tenant.slug} tickets={items} />
            ) : (
              <TicketTable tenant={tenant.slug} tickets={items} />
            )
          }
        </QueryState>
      </PageSection>
    </div>
  );
}

function TicketTable({ tenant, tickets }: { tenant: string; tickets: Ticket[] }) {
  return (
    <Table aria-label="Tickets" variant="compact" data-testid={T.table} className="pal-table">
      <Thead>
        <Tr>
          <Th>Key</Th>
          <Th width={35}>Title</Th>
          <Th>Severity</Th>
          <Th>Status</Th>
          <Th>Assignee</Th>
          <Th>Due</Th>
        </Tr>
      </Thead>
      <Tbody>
        {tickets.map((t) => (
          <Tr key={t.id} data-testid={T.row(t.id)}>
            <Td dataLabel="Key" modifier="nowrap">
              <Link to={`/t/${tenant}/tickets/${t.id}`} data-testid={T.link(t.id)}>
                {t.key}
              </Link>
            </Td>
            <Td dataLabel="Title" className="pal-break">
              {t.title}
            </Td>
            <Td dataLabel="Severity">
              <SeverityLabel severity={t.severity} />
            </Td>
            <Td dataLabel="Status">
              <TicketStatusLabel status={t.status} testId={T.status(t.id)} />
            </Td>
            <Td dataLabel="Assignee" className="pal-small">
              {t.assignee || <span className="pal-muted">unassigned</span>}
            </Td>
            <Td dataLabel="Due" modifier="nowrap" className="pal-small">
              <TicketDue ticket={t} testId={T.overdue(t.id)} />
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function TicketBoard({ tenant, tickets }: { tenant: string; tickets: Ticket[] }) {
  const columns = groupByStatus(tickets);
  return (
    <Gallery hasGutter minWidths={{ default: '220px' }} data-testid={T.board}>
      {TICKET_STATUSES.map((s) => (
        <section key={s} aria-labelledby={`tickets-column-${s}`} data-testid={T.column(s)}>
          <h2 id={`tickets-column-${s}`} className="pal-section-title">
            {TICKET_STATUS_LABELS[s]} ({columns[s].length})
          </h2>
          {columns[s].length === 0 ? (
            <Content component="p" className="pal-muted pal-small">
              None
            </Content>
          ) : (
            columns[s].map((t) => (
              <Card key={t.id} isCompact className="pal-mb" data-testid={T.card(t.id)}>
                <CardHeader>
                  <CardTitle>
                    <Link to={`/t/${tenant}/tickets/${t.id}`}>{t.key}</Link> <SeverityLabel severity={t.severity} />
                  </CardTitle>
                </CardHeader>
                <CardBody className="pal-small">
                  <div className="pal-break">{t.title}</div>
                  <div className="pal-muted">{t.assignee || 'unassigned'}</div>
                  <div>
                    Due <TicketDue ticket={t} testId={T.overdue(t.id)} />
                  </div>
                </CardBody>
              </Card>
            ))
          )}
        </section>
      ))}
    </Gallery>
  );
}
