import { useState } from 'react';
import {
  Button,
  Flex,
  FormSelect,
  FormSelectOption,
  Label,
  PageSection,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
  Tooltip,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { Exception } from '../../api/types';
import { useCan, useTenant } from '../../auth/permissions';
import { useSession } from '../../auth/session';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyMessage } from '../../components/EmptyMessage';
import { InlineError } from '../../components/InlineError';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { formatDate, formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { useTargets } from '../targets/api';
import { useDecideException, useExceptions, type Decision } from './api';
import { ExceptionReview } from './ExceptionReview';
import { ExceptionScope } from './ExceptionScope';

const T = testIds.exceptions;
const STATUSES: Exception['status'][] = ['pending', 'approved', 'rejected', 'revoked', 'expired'];
const colors = { pending: 'orange', approved: 'green', rejected: 'red', revoked: 'grey', expired: 'grey' } as const;

export function ExceptionsPage() {
  const tenant = useTenant();
  const session = useSession();
  const can = useCan();
  usePageTitle('Exceptions', tenant.name);
  const exceptions = useExceptions(tenant.slug);
  const targets = useTargets(tenant.slug);
  const decide = useDecideException(tenant.slug);
  const [status, setStatus] = useState<string>('');
  const [revoking, setRevoking] = useState<Exception | null>(null);
  const canDecide = can('exception.decide');
  // The server refuses to let a requester decide their own exception (four eyes).
  const me = session.user.email || `user:${session.user.subject}`;

  const run = (e: Exception, decision: Decision) => decide.mutate({ id: e.id, decision });

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Exceptions"
        description="Accepted risks. An approved exception takes its findings out of the score until it expires; the dashboard shows scores with and without them."
      />
      <PageSection>
        <ExceptionReview tenant={tenant.slug} targets={targets.data} onRevoke={canDecide ? setRevoking : undefined} />
      </PageSection>
      <PageSection>
        <Title headingLevel="h2" size="lg">
          All exceptions
        </Title>
        <InlineError error={decide.isError && !revoking ? decide.error : null} title="The decision failed" />
        <QueryState query={exceptions} what="exceptions">
          {(items) => {
            const shown = status ? items.filter((e) => e.status === status) : items;
            return (
              <>
                <Toolbar inset={{ default: 'insetNone' }}>
                  <ToolbarContent>
                    <ToolbarItem>
                      <FormSelect
                        aria-label="Status"
                        value={status}
                        onChange={(_e, v) => setStatus(v)}
                        data-testid={T.statusFilter}
                        className="pal-select"
                      >
                        <FormSelectOption value="" label={`All (${items.length})`} />
                        {STATUSES.map((s) => (
                          <FormSelectOption key={s} value={s} label={`${s} (${items.filter((e) => e.status === s).length})`} />
                        ))}
                      </FormSelect>
                    </ToolbarItem>
                  </ToolbarContent>
                </Toolbar>
                {shown.length === 0 ? (
                  <EmptyMessage title={items.length ? 'No exception has this status' : 'No exceptions'}>
                    {items.length ? null : 'Request one from a finding when a risk is accepted.'}
                  </EmptyMessage>
                ) : (
                  <Table aria-label="Exceptions" variant="compact" data-testid={T.table} className="pal-table">
                    <Thead>
                      <Tr>
                        <Th>#</Th>
                        <Th>Status</Th>
                        <Th width={25}>Covers</Th>
                        <Th width={25}>Reason</Th>
                        <Th>Requested</Th>
                        <Th>Decided</Th>
                        <Th>Expires</Th>
                        {canDecide && <Th screenReaderText="Actions" />}
                      </Tr>
                    </Thead>
                    <Tbody>
                      {shown.map((e) => {
                        const own = e.requested_by === me;
                        return (
                          <Tr key={e.id} data-testid={T.row(e.id)}>
                            <Td dataLabel="#">{e.id}</Td>
                            <Td dataLabel="Status">
                              <Label isCompact color={colors[e.status]} data-testid={T.status(e.id)}>
                                {e.status}
                              </Label>
                            </Td>
                            <Td dataLabel="Covers" className="pal-small">
                              <ExceptionScope tenant={tenant.slug} exception={e} targets={targets.data} />
                            </Td>
                            <Td dataLabel="Reason" className="pal-small pal-prewrap pal-break">
                              {e.reason}
                            </Td>
                            <Td dataLabel="Requested" className="pal-small">
                              {e.requested_by}
                              <div className="pal-muted">{formatDateTime(e.created_at)}</div>
                            </Td>
                            <Td dataLabel="Decided" className="pal-small">
                              {e.approved_by ? (
                                <>
                                  {e.approved_by}
                                  <div className="pal-muted">{formatDateTime(e.approved_at)}</div>
                                </>
                              ) : (
                                <span className="pal-muted">—</span>
                              )}
                            </Td>
                            <Td dataLabel="Expires" modifier="nowrap" className="pal-small">
                              {formatDate(e.expires_at)}
                            </Td>
                            {canDecide && (
                              <Td dataLabel="Actions" isActionCell>
                                <Flex gap={{ default: 'gapSm' }} flexWrap={{ default: 'nowrap' }}>
                                  {e.status === 'pending' && (
                                    <Tooltip
                                      content={own ? 'You requested it: someone else must decide.' : 'Approve or reject this request'}
                                    >
                                      <Flex gap={{ default: 'gapSm' }} flexWrap={{ default: 'nowrap' }}>
                                        <Button
                                          size="sm"
                                          variant="secondary"
                                          isAriaDisabled={own || decide.isPending}
                                          onClick={() => run(e, 'approved')}
                                          data-testid={T.approve(e.id)}
                                        >
                                          Approve
                                        </Button>
                                        <Button
                                          size="sm"
                                          variant="secondary"
                                          isAriaDisabled={own || decide.isPending}
                                          onClick={() => run(e, 'rejected')}
                                          data-testid={T.reject(e.id)}
                                        >
                                          Reject
                                        </Button>
                                      </Flex>
                                    </Tooltip>
                                  )}
                                  {e.status === 'approved' && (
                                    <Button size="sm" variant="link" isDanger onClick={() => setRevoking(e)} data-testid={T.revoke(e.id)}>
                                      Revoke
                                    </Button>
                                  )}
                                </Flex>
                              </Td>
                            )}
                          </Tr>
                        );
                      })}
                    </Tbody>
                  </Table>
                )}
              </>
            );
          }}
        </QueryState>
      </PageSection>
      <ConfirmModal
        isOpen={revoking !== null}
        title={`Revoke exception #${revoking?.id ?? ''}?`}
        confirmLabel="Revoke"
        isPending={decide.isPending}
        error={decide.error}
        onClose={() => {
          decide.reset();
          setRevoking(null);
        }}
        onConfirm={() => revoking && decide.mutate({ id: revoking.id, decision: 'revoked' }, { onSuccess: () => setRevoking(null) })}
      >
        Its findings are no longer suppressed and count against the score again from the next complete run.
      </ConfirmModal>
    </div>
  );
}
