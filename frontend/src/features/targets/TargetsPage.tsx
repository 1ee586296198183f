import { Fragment, useState } from 'react';
import { Button, Label, PageSection } from '@patternfly/react-core';
import { ExpandableRowContent, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import type { Target } from '../../api/types';
import { Can } from '../../auth/Can';
import { useCan, useTenant } from '../../auth/permissions';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyMessage } from '../../components/EmptyMessage';
import { InlineError } from '../../components/InlineError';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { RelativeTime } from '../../components/RelativeTime';
import { StaleLabel } from '../../components/StaleLabel';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';
import { useDeleteTarget, useRunNow, useTargets, useUpdateTarget } from './api';
import { RunHistory } from './RunHistory';
import { RunStatusLabel } from './RunStatusLabel';
import { TargetActions } from './TargetActions';
import { TargetFormModal } from './TargetFormModal';

const T = testIds.targets;

/** Where a target collects from: a registry's URL, a cluster's kubeconfig context (empty: its current one). */
function TargetLocation({ target: t }: { target: Target }) {
  const where = t.kind === 'registry' ? t.settings.url : t.kind === 'cluster' ? t.settings.context : undefined;
  if (!where) return null;
  return (
    <div className="pal-small pal-break" data-testid={T.location(t.id)}>
      {t.kind === 'cluster' ? 'context ' : ''}
      <code>{where}</code>
    </div>
  );
}

export function TargetsPage() {
  const tenant = useTenant();
  const can = useCan();
  usePageTitle('Targets and runs', tenant.name);
  const targets = useTargets(tenant.slug);
  const runNow = useRunNow(tenant.slug);
  const update = useUpdateTarget(tenant.slug);
  const remove = useDeleteTarget(tenant.slug);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const [form, setForm] = useState<{ target?: Target } | null>(null);
  const [deleting, setDeleting] = useState<Target | null>(null);
  const hasActions = can('target.run') || can('target.write');

  const toggleRow = (id: number) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Targets and runs"
        description="What Palisade collects from, on what schedule, and how each collection went. A target is stale when no run completed within twice its interval."
        actions={
          <Can perm="target.write">
            <Button onClick={() => setForm({})} data-testid={T.add}>
              Add target
            </Button>
          </Can>
        }
      />
      <PageSection>
        <InlineError error={runNow.error} title="Could not start the run" />
        <InlineError error={update.error} title="Could not change the target" />
        <QueryState query={targets} what="targets">
          {(items) =>
            items.length === 0 ? (
              <EmptyMessage title="No targets yet">
                {can('target.write') ? 'Add a cluster or registry target to start collecting.' : 'Ask an operator to add one.'}
              </EmptyMessage>
            ) : (
              <Table aria-label="Targets" variant="compact" data-testid={T.table} className="pal-table">
                <Thead>
                  <Tr>
                    <Th screenReaderText="Show runs" />
                    <Th>Name</Th>
                    <Th>Kind</Th>
                    <Th>Schedule</Th>
                    <Th>Credentials</Th>
                    <Th>Last run</Th>
                    <Th>Last complete run</Th>
                    {hasActions && <Th screenReaderText="Actions" />}
                  </Tr>
                </Thead>
                {items.map((t, rowIndex) => {
                  const open = expanded.has(t.id);
                  return (
                    <Tbody key={t.id} isExpanded={open}>
                      <Tr data-testid={T.row(t.id)}>
                        <Td
                          expand={{ rowIndex, isExpanded: open, onToggle: () => toggleRow(t.id), expandId: `runs-${t.id}` }}
                          data-testid={T.toggleRuns(t.id)}
                        />
                        <Td dataLabel="Name">
                          <span className="pal-strong">{t.name}</span>
                          <TargetLocation target={t} />
                          <div className="pal-small">
                            <Link to={findingsHref(tenant.slug, { target: t.id })}>open findings</Link>
                          </div>
                        </Td>
                        <Td dataLabel="Kind">
                          <Label isCompact variant="outline">
                            {t.kind}
                          </Label>
                        </Td>
                        <Td dataLabel="Schedule">
                          <code>{t.schedule}</code>
                          {!t.enabled && (
                            <Label isCompact color="grey" className="pal-ml">
                              disabled
                            </Label>
                          )}
                        </Td>
                        <Td dataLabel="Credentials" data-testid={T.credentials(t.id)}>
                          {t.has_credentials ? 'stored (sealed)' : <span className="pal-muted">none</span>}
                        </Td>
                        <Td dataLabel="Last run">
                          {t.last_run ? (
                            <Fragment>
                              <RunStatusLabel run={t.last_run} testId={T.status(t.id)} />{' '}
                              <span className="pal-small">
                                <RelativeTime at={t.last_run.finished_at ?? t.last_run.started_at} />
                                {t.last_run.status !== 'running' && ` · ${t.last_run.failed} failed of ${t.last_run.evaluated}`}
                              </span>
                              {t.last_run.status === 'running' && (
                                <span className="pal-small pal-muted" data-testid={T.running(t.id)} aria-live="polite">
                                  {' '}
                                  collecting…
                                </span>
                              )}
                            </Fragment>
                          ) : (
                            <span className="pal-muted">never run</span>
                          )}
                        </Td>
                        <Td dataLabel="Last complete run">
                          {t.stale ? (
                            <StaleLabel lastComplete={t.last_complete_at} testId={T.stale(t.id)} />
                          ) : (
                            <RelativeTime at={t.last_complete_at} />
                          )}
                        </Td>
                        {hasActions && (
                          <Td dataLabel="Actions" isActionCell>
                            <TargetActions
                              target={t}
                              runPending={runNow.isPending && runNow.variables === t.id}
                              onRun={() => {
                                runNow.mutate(t.id);
                                setExpanded((s) => new Set(s).add(t.id));
                              }}
                              onEdit={() => setForm({ target: t })}
                              onToggle={() => update.mutate({ id: t.id, patch: { enabled: !t.enabled } })}
                              onDelete={() => setDeleting(t)}
                            />
                          </Td>
                        )}
                      </Tr>
                      {open && (
                        <Tr isExpanded>
                          <Td colSpan={hasActions ? 8 : 7}>
                            <ExpandableRowContent>
                              <RunHistory tenant={tenant.slug} target={t.id} />
                            </ExpandableRowContent>
                          </Td>
                        </Tr>
                      )}
                    </Tbody>
                  );
                })}
              </Table>
            )
          }
        </QueryState>
      </PageSection>
      {form && <TargetFormModal tenant={tenant.slug} target={form.target} onClose={() => setForm(null)} />}
      <ConfirmModal
        isOpen={deleting !== null}
        title={`Delete ${deleting?.name ?? ''}?`}
        confirmLabel="Delete target"
        isPending={remove.isPending}
        error={remove.error}
        onClose={() => {
          remove.reset();
          setDeleting(null);
        }}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
      >
        This deletes the target and everything collected from it: its runs, assets, findings and score history. It cannot be undone.
      </ConfirmModal>
    </div>
  );
}
