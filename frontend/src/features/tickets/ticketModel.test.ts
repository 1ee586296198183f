import { describe, expect, it } from 'vitest';
import { ticket } from '../../test/fixtures';
import { ticketInput } from './CreateTicketModal';
import { groupByStatus, isOverdue, parseTicketStatus, ticketPatch } from './ticketModel';

describe('groupByStatus', () => {
  it('puts every ticket in its status column and keeps every column, in workflow order', () => {
    const cols = groupByStatus([
      ticket(1),
      ticket(2, { status: 'in_progress' }),
      ticket(3, { status: 'reopened' }),
      ticket(4),
      ticket(5, { status: 'verified' }),
    ]);
    expect(Object.keys(cols)).toEqual(['open', 'in_progress', 'resolved', 'verified', 'reopened']);
    expect(cols.open.map((t) => t.id)).toEqual([1, 4]);
    expect(cols.in_progress.map((t) => t.id)).toEqual([2]);
    expect(cols.resolved).toEqual([]);
    expect(cols.verified.map((t) => t.id)).toEqual([5]);
    expect(cols.reopened.map((t) => t.id)).toEqual([3]);
  });
});

describe('isOverdue', () => {
  it('follows the server flag', () => {
    expect(isOverdue(ticket(1, { overdue: true }))).toBe(true);
    expect(isOverdue(ticket(1, { overdue: false }))).toBe(false);
  });
});

describe('ticketPatch', () => {
  it('sends only what changed', () => {
    expect(ticketPatch(ticket(1), 'open', '')).toEqual({});
    expect(ticketPatch(ticket(1), 'in_progress', '')).toEqual({ status: 'in_progress' });
    expect(ticketPatch(ticket(1, { assignee: 'bob' }), 'open', '  ')).toEqual({ assignee: '' });
    expect(ticketPatch(ticket(1), 'resolved', ' carol ')).toEqual({ status: 'resolved', assignee: 'carol' });
  });
  it('never sends a status that only runs may set', () => {
    expect(ticketPatch(ticket(1, { status: 'verified' }), 'verified', '')).toEqual({});
    expect(ticketPatch(ticket(1), 'reopened', '')).toEqual({});
  });
});

describe('parseTicketStatus', () => {
  it('accepts only known statuses', () => {
    expect(parseTicketStatus('in_progress')).toBe('in_progress');
    expect(parseTicketStatus('bogus')).toBe('');
    expect(parseTicketStatus(null)).toBe('');
  });
});

describe('ticketInput', () => {
  it('leaves out an empty title and assignee', () => {
    expect(ticketInput([1, 2], ' ', '')).toEqual({ finding_ids: [1, 2] });
    expect(ticketInput([3], ' Fix it ', ' bob ')).toEqual({ finding_ids: [3], title: 'Fix it', assignee: 'bob' });
  });
});
