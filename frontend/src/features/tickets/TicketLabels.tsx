import { Label } from '@patternfly/react-core';
import { TICKET_STATUS_LABELS } from '../../api/enums';
import type { Ticket, TicketStatus } from '../../api/types';
import { formatDate, formatDateTime } from '../../lib/format';
import { isOverdue } from './ticketModel';

const colors: Record<TicketStatus, 'blue' | 'purple' | 'green' | 'teal' | 'orange'> = {
  open: 'blue',
  in_progress: 'purple',
  resolved: 'green',
  verified: 'teal',
  reopened: 'orange',
};

export function TicketStatusLabel({ status, testId }: { status: TicketStatus; testId?: string }) {
  return (
    <Label isCompact color={colors[status]} data-testid={testId}>
      {TICKET_STATUS_LABELS[status]}
    </Label>
  );
}

/** The due date, with a red "overdue" label when the server says it is. */
export function TicketDue({ ticket, testId }: { ticket: Pick<Ticket, 'due_at' | 'overdue'>; testId?: string }) {
  return (
    <span>
      {ticket.due_at ? (
        <time dateTime={ticket.due_at} title={formatDateTime(ticket.due_at)}>
          {formatDate(ticket.due_at)}
        </time>
      ) : (
        <span className="pal-muted">none</span>
      )}
      {isOverdue(ticket) && (
        <Label isCompact color="red" className="pal-ml" data-testid={testId}>
          overdue
        </Label>
      )}
    </span>
  );
}
