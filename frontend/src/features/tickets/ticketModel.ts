import { SETTABLE_TICKET_STATUSES, TICKET_STATUSES, isOneOf } from '../../api/enums';
import type { Ticket, TicketPatch, TicketStatus } from '../../api/types';

/** The board: every status a column, in workflow order, each ticket in its status's column. */
export function groupByStatus(tickets: readonly Ticket[]): Record<TicketStatus, Ticket[]> {
  const columns = Object.fromEntries(TICKET_STATUSES.map((s) => [s, [] as Ticket[]])) as Record<TicketStatus, Ticket[]>;
  for (const t of tickets) columns[t.status].push(t);
  return columns;
}

/** Whether a ticket gets the red "overdue" label: the server decides (due date passed while not resolved). */
export function isOverdue(t: Pick<Ticket, 'overdue'>): boolean {
  return t.overdue === true;
}

/** Only what changed; status only when a person may set it (verified and reopened come from runs). */
export function ticketPatch(ticket: Pick<Ticket, 'status' | 'assignee'>, status: string, assignee: string): TicketPatch {
  const patch: TicketPatch = {};
  if (status !== ticket.status && isOneOf(SETTABLE_TICKET_STATUSES, status)) patch.status = status;
  if (assignee.trim() !== ticket.assignee) patch.assignee = assignee.trim();
  return patch;
}

export function parseTicketStatus(v: string | null): TicketStatus | '' {
  return isOneOf(TICKET_STATUSES, v) ? v : '';
}
