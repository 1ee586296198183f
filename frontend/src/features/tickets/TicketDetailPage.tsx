import { useState } from 'react';
import {
  Breadcrumb,
  BreadcrumbItem,
  Button,
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  HelperText,
  HelperTextItem,
  List,
  ListItem,
  PageSection,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { SETTABLE_TICKET_STATUSES, TICKET_STATUS_LABELS } from '../../api/enums';
import type { Ticket } from '../../api/types';
import { NotFoundPage } from '../../app/NotFoundPage';
import { Can } from '../../auth/Can';
import { useTenant } from '../../auth/permissions';
import { InlineError } from '../../components/InlineError';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { SeverityLabel } from '../../components/SeverityLabel';
import { formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { useCommentTicket, useTicket, useUpdateTicket } from './api';
import { TicketDue, TicketStatusLabel } from './TicketLabels';
import { ticketPatch } from './ticketModel';

const T = testIds.ticket;

export function TicketDetailPage() {
  const id = Number(useParams().id);
  if (!Number.isSafeInteger(id) || id < 1) return <NotFoundPage />;
  return <TicketPage id={id} />;
}

function TicketPage({ id }: { id: number }) {
  const tenant = useTenant();
  const ticket = useTicket(tenant.slug, id);
  usePageTitle(ticket.data ? `${ticket.data.key}: ${ticket.data.title}` : `Ticket #${id}`, tenant.name);
  return (
    <div data-testid={T.page}>
      <PageSection className="pal-breadcrumb">
        <Breadcrumb>
          <BreadcrumbItem>
            <Link to={`/t/${tenant.slug}/tickets`}>Tickets</Link>
          </BreadcrumbItem>
          <BreadcrumbItem isActive>{ticket.data?.key ?? `#${id}`}</BreadcrumbItem>
        </Breadcrumb>
      </PageSection>
      <QueryState query={ticket} what={`ticket #${id}`}>
        {(t) => <TicketDetail tenant={tenant.slug} ticket={t} />}
      </QueryState>
    </div>
  );
}

function Term({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{label}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

function TicketDetail({ tenant, ticket: t }: { tenant: string; ticket: Ticket }) {
  return (
    <>
      <PageHeader
        title={
          <span data-testid={T.title}>
            {t.key}: {t.title}
          </span>
        }
      />
      <PageSection>
        <Grid hasGutter>
          <GridItem xl={8}>
            <Card isCompact>
              <CardBody>
                <DescriptionList isCompact isHorizontal columnModifier={{ default: '1Col', lg: '2Col' }}>
                  <Term label="Status">
                    <TicketStatusLabel status={t.status} testId={T.status} />
                  </Term>
                  <Term label="Severity">
                    <SeverityLabel severity={t.severity} />
                  </Term>
                  <Term label="Assignee">{t.assignee || <span className="pal-muted">unassigned</span>}</Term>
                  <Term label="Due">
                    <TicketDue ticket={t} testId={T.overdue} />
                  </Term>
                  <Term label="Created">
                    {t.created_by} <span className="pal-muted">{formatDateTime(t.created_at)}</span>
                  </Term>
                  <Term label="Updated">{formatDateTime(t.updated_at)}</Term>
                </DescriptionList>
              </CardBody>
            </Card>
            <Card isCompact className="pal-mt">
              <CardTitle component="h2">Findings ({t.finding_ids.length})</CardTitle>
              <CardBody data-testid={T.findings}>
                {t.finding_ids.length === 0 ? (
                  <span className="pal-muted">No findings.</span>
                ) : (
                  <List isPlain aria-label="Findings of this ticket">
                    {t.finding_ids.map((f) => (
                      <ListItem key={f}>
                        <Link to={`/t/${tenant}/findings/${f}`} data-testid={T.finding(f)}>
                          Finding #{f}
                        </Link>
                      </ListItem>
                    ))}
                  </List>
                )}
              </CardBody>
            </Card>
            <Card isCompact className="pal-mt">
              <CardTitle component="h2">Comments ({t.comments.length})</CardTitle>
              <CardBody>
                {t.comments.length === 0 ? (
                  <p className="pal-muted">No comments yet.</p>
                ) : (
                  <ol className="pal-timeline" data-testid={T.comments} aria-label="Comments">
                    {t.comments.map((c, i) => (
                      <li key={i} data-testid={T.comment(i)}>
                        <div className="pal-small">
                          <span className="pal-strong">{c.author}</span> <span className="pal-muted">{formatDateTime(c.created_at)}</span>
                        </div>
                        <div className="pal-prewrap pal-break">{c.body}</div>
                      </li>
                    ))}
                  </ol>
                )}
                <Can perm="finding.triage">
                  <CommentForm tenant={tenant} id={t.id} />
                </Can>
              </CardBody>
            </Card>
          </GridItem>
          <GridItem xl={4}>
            <Can perm="finding.triage">
              <UpdateForm tenant={tenant} ticket={t} />
            </Can>
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}

function CommentForm({ tenant, id }: { tenant: string; id: number }) {
  const comment = useCommentTicket(tenant, id);
  const [body, setBody] = useState('');
  return (
    <Form
      className="pal-mt"
      onSubmit={(e) => {
        e.preventDefault();
        if (body.trim()) comment.mutate(body.trim(), { onSuccess: () => setBody('') });
      }}
    >
      <FormGroup label="Add a comment" fieldId="ticket-comment">
        <TextArea
          id="ticket-comment"
          maxLength={4000}
          value={body}
          onChange={(_e, v) => setBody(v)}
          resizeOrientation="vertical"
          data-testid={T.commentBody}
        />
      </FormGroup>
      <InlineError error={comment.error} title="The comment was not saved" />
      <div>
        <Button
          type="submit"
          variant="secondary"
          isDisabled={!body.trim() || comment.isPending}
          isLoading={comment.isPending}
          data-testid={T.commentSubmit}
        >
          Comment
        </Button>
      </div>
    </Form>
  );
}

function UpdateForm({ tenant, ticket }: { tenant: string; ticket: Ticket }) {
  const update = useUpdateTicket(tenant, ticket.id);
  const [status, setStatus] = useState<string>(ticket.status);
  const [assignee, setAssignee] = useState(ticket.assignee);
  // Follow the ticket when it changes on the server (after a save, or a refetch).
  const [seen, setSeen] = useState(ticket);
  if (seen !== ticket) {
    setSeen(ticket);
    setStatus(ticket.status);
    setAssignee(ticket.assignee);
  }
  const patch = ticketPatch(ticket, status, assignee);
  const changed = Object.keys(patch).length > 0;
  const setByRun = !(SETTABLE_TICKET_STATUSES as readonly string[]).includes(ticket.status);

  return (
    <Card isCompact>
      <CardTitle component="h2">Update</CardTitle>
      <CardBody>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            if (changed) update.mutate(patch);
          }}
        >
          <FormGroup label="Status" fieldId="ticket-status">
            <FormSelect id="ticket-status" value={status} onChange={(_e, v) => setStatus(v)} data-testid={T.statusSelect}>
              {setByRun && <FormSelectOption value={ticket.status} label={`${TICKET_STATUS_LABELS[ticket.status]} (set by a run)`} />}
              {SETTABLE_TICKET_STATUSES.map((s) => (
                <FormSelectOption key={s} value={s} label={TICKET_STATUS_LABELS[s]} />
              ))}
            </FormSelect>
            <FormHelperText>
              <HelperText>
                <HelperTextItem>
                  Verified and Reopened are set by runs, not here: verified when a complete run finds every finding of the ticket resolved,
                  reopened when one is open again.
                </HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <FormGroup label="Assignee" fieldId="ticket-assignee">
            <TextInput
              id="ticket-assignee"
              maxLength={200}
              value={assignee}
              onChange={(_e, v) => setAssignee(v)}
              data-testid={T.assignee}
            />
            <FormHelperText>
              <HelperText>
                <HelperTextItem>Empty unassigns the ticket.</HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <InlineError error={update.error} title="The ticket was not updated" />
          <div>
            <Button type="submit" isDisabled={!changed || update.isPending} isLoading={update.isPending} data-testid={T.save}>
              Save
            </Button>
          </div>
        </Form>
      </CardBody>
    </Card>
  );
}
