import { useState, type ReactNode } from 'react';
import { Button, Flex, FlexItem, Label, PageSection, Title } from '@patternfly/react-core';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { ALERT_CHANNEL_KINDS, ALERT_KIND_LABELS, isOneOf, ALERT_KINDS } from '../../api/enums';
import type { AlertRule, Channel, ChannelTestResult, Delivery } from '../../api/types';
import { Can } from '../../auth/Can';
import { useCan, useTenant } from '../../auth/permissions';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyMessage } from '../../components/EmptyMessage';
import { InlineError } from '../../components/InlineError';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { RelativeTime } from '../../components/RelativeTime';
import { SeverityLabel } from '../../components/SeverityLabel';
import { formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { useAlertRules, useChannels, useDeleteAlertRule, useDeliveries, useTestChannel, useUpdateAlertRule, useUpdateChannel } from './api';
import { ChannelFormModal } from './ChannelFormModal';
import { DeleteChannelModal } from './DeleteChannelModal';
import { RowActions } from '../../components/RowActions';
import { RuleFormModal } from './RuleFormModal';

const T = testIds.alerts;

export function AlertsPage() {
  const tenant = useTenant();
  usePageTitle('Alerts', tenant.name);
  const channels = useChannels(tenant.slug);
  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Alerts"
        description="Where drift and expiry events are sent: channels (webhook, Slack, email), the rules that route events to them, and recent deliveries. A ticket-sync channel sends remediation tickets to an external tracker instead."
      />
      <PageSection>
        <Channels tenant={tenant.slug} channels={channels} />
      </PageSection>
      <PageSection>
        <Rules tenant={tenant.slug} channels={channels.data} />
      </PageSection>
      <PageSection>
        <Deliveries tenant={tenant.slug} channels={channels.data} />
      </PageSection>
    </div>
  );
}

function SectionHeader({ id, title, action }: { id: string; title: string; action?: ReactNode }) {
  return (
    <Flex
      justifyContent={{ default: 'justifyContentSpaceBetween' }}
      alignItems={{ default: 'alignItemsCenter' }}
      className="pal-section-title"
    >
      <FlexItem>
        <Title headingLevel="h2" size="lg" id={id}>
          {title}
        </Title>
      </FlexItem>
      {action && <FlexItem>{action}</FlexItem>}
    </Flex>
  );
}

function TestOutcome({ result, testId }: { result: ChannelTestResult | { error: unknown }; testId: string }) {
  if ('delivered' in result && result.delivered) {
    return (
      <Label isCompact color="green" data-testid={testId}>
        delivered
      </Label>
    );
  }
  const message = 'delivered' in result ? result.error : result.error instanceof Error ? result.error.message : String(result.error);
  return (
    <span className="pal-small" data-testid={testId}>
      <Label isCompact color="red">
        failed
      </Label>{' '}
      <span className="pal-break">{message}</span>
    </span>
  );
}

function Channels({ tenant, channels }: { tenant: string; channels: ReturnType<typeof useChannels> }) {
  const can = useCan();
  const test = useTestChannel(tenant);
  const toggle = useUpdateChannel(tenant);
  const rules = useAlertRules(tenant);
  const [form, setForm] = useState<{ channel?: Channel } | null>(null);
  const [deleting, setDeleting] = useState<Channel | null>(null);
  const [results, setResults] = useState<Record<number, ChannelTestResult | { error: unknown }>>({});
  const canWrite = can('alert.write');

  const runTest = (c: Channel) => {
    setResults(({ [c.id]: _, ...rest }) => rest);
    test.mutate(c.id, {
      onSuccess: (r) => setResults((s) => ({ ...s, [c.id]: r })),
      onError: (error) => setResults((s) => ({ ...s, [c.id]: { error } })),
    });
  };

  return (
    <section aria-labelledby="channels-title" data-testid={T.channels}>
      <SectionHeader
        id="channels-title"
        title="Channels"
        action={
          <Can perm="alert.write">
            <Button variant="secondary" onClick={() => setForm({})} data-testid={T.channelAdd}>
              Add channel
            </Button>
          </Can>
        }
      />
      <InlineError error={toggle.error} title="Enabling or disabling the channel failed" />
      <QueryState query={channels} what="channels">
        {(items) =>
          items.length === 0 ? (
            <EmptyMessage title="No channels">{canWrite ? 'Add one to send alerts.' : 'Ask a security manager to add one.'}</EmptyMessage>
          ) : (
            <Table aria-label="Channels" variant="compact" className="pal-table">
              <Thead>
                <Tr>
                  <Th>Name</Th>
                  <Th>Kind</Th>
                  <Th>Settings</Th>
                  <Th>Secret</Th>
                  <Th>Created</Th>
                  {canWrite && <Th width={25} screenReaderText="Actions" />}
                </Tr>
              </Thead>
              <Tbody>
                {items.map((c) => {
                  const result = results[c.id];
                  const pending = test.isPending && test.variables === c.id;
                  return (
                    <ChannelRow key={c.id} channel={c}>
                      {canWrite && (
                        <Flex direction={{ default: 'column' }} gap={{ default: 'gapSm' }} alignItems={{ default: 'alignItemsFlexStart' }}>
                          <Button
                            variant="secondary"
                            size="sm"
                            onClick={() => runTest(c)}
                            isLoading={pending}
                            isDisabled={pending}
                            aria-label={`Send test: ${c.name}`}
                            data-testid={T.channelTest(c.id)}
                          >
                            Send test
                          </Button>
                          <span aria-live="polite">{result && <TestOutcome result={result} testId={T.channelTestResult(c.id)} />}</span>
                          <Flex gap={{ default: 'gapSm' }}>
                            <RowActions
                              name={c.name}
                              enabled={c.enabled}
                              testIds={{ edit: T.channelEdit(c.id), toggle: T.channelToggle(c.id), remove: T.channelDelete(c.id) }}
                              togglePending={toggle.isPending && toggle.variables.id === c.id}
                              onEdit={() => setForm({ channel: c })}
                              onToggle={() => toggle.mutate({ id: c.id, patch: { enabled: !c.enabled } })}
                              onDelete={() => setDeleting(c)}
                            />
                          </Flex>
                        </Flex>
                      )}
                    </ChannelRow>
                  );
                })}
              </Tbody>
            </Table>
          )
        }
      </QueryState>
      {form && <ChannelFormModal tenant={tenant} channel={form.channel} onClose={() => setForm(null)} />}
      {deleting && <DeleteChannelModal tenant={tenant} channel={deleting} rules={rules.data} onClose={() => setDeleting(null)} />}
    </section>
  );
}

function Rules({ tenant, channels }: { tenant: string; channels: Channel[] | undefined }) {
  const rules = useAlertRules(tenant);
  const can = useCan();
  const canWrite = can('alert.write');
  const toggle = useUpdateAlertRule(tenant);
  const [form, setForm] = useState<{ rule?: AlertRule } | null>(null);
  const [deleting, setDeleting] = useState<AlertRule | null>(null);
  const channelName = (id: number) => channels?.find((c) => c.id === id)?.name ?? `#${id}`;
  // Ticket-sync channels carry tickets; the server refuses rules that route alerts to them.
  const alertChannels = channels?.filter((c) => isOneOf(ALERT_CHANNEL_KINDS, c.kind));
  const noChannels = !alertChannels?.length;

  return (
    <section aria-labelledby="rules-title" data-testid={T.rules}>
      <SectionHeader
        id="rules-title"
        title="Rules"
        action={
          <Can perm="alert.write">
            <Button
              variant="secondary"
              onClick={() => setForm({})}
              isAriaDisabled={noChannels}
              data-testid={T.ruleAdd}
              title={noChannels ? 'Add a webhook, Slack or email channel first' : undefined}
            >
              Add rule
            </Button>
          </Can>
        }
      />
      <InlineError error={toggle.error} title="Enabling or disabling the rule failed" />
      <QueryState query={rules} what="alert rules">
        {(items) =>
          items.length === 0 ? (
            <EmptyMessage title="No rules">Without a rule, no event is sent anywhere.</EmptyMessage>
          ) : (
            <Table aria-label="Alert rules" variant="compact" className="pal-table">
              <Thead>
                <Tr>
                  <Th>Name</Th>
                  <Th>Minimum severity</Th>
                  <Th>Kinds</Th>
                  <Th>Narrowed to</Th>
                  <Th>Channel</Th>
                  <Th>Delivery</Th>
                  {canWrite && <Th screenReaderText="Actions" />}
                </Tr>
              </Thead>
              <Tbody>
                {items.map((r) => (
                  <RuleRow key={r.id} rule={r} channelName={channelName(r.channel_id)}>
                    {canWrite && (
                      <Flex gap={{ default: 'gapSm' }} flexWrap={{ default: 'nowrap' }}>
                        <RowActions
                          name={r.name}
                          enabled={r.enabled}
                          testIds={{ edit: T.ruleEdit(r.id), toggle: T.ruleToggle(r.id), remove: T.ruleDelete(r.id) }}
                          togglePending={toggle.isPending && toggle.variables.id === r.id}
                          onEdit={() => setForm({ rule: r })}
                          onToggle={() => toggle.mutate({ id: r.id, patch: { enabled: !r.enabled } })}
                          onDelete={() => setDeleting(r)}
                        />
                      </Flex>
                    )}
                  </RuleRow>
                ))}
              </Tbody>
            </Table>
          )
        }
      </QueryState>
      {form && alertChannels && <RuleFormModal tenant={tenant} channels={alertChannels} rule={form.rule} onClose={() => setForm(null)} />}
      {deleting && <DeleteRuleModal tenant={tenant} rule={deleting} onClose={() => setDeleting(null)} />}
    </section>
  );
}

/** A disabled channel or rule says so beside its name. */
function NameCell({ name, enabled }: { name: string; enabled: boolean }) {
  return (
    <Td dataLabel="Name" className="pal-strong">
      {name}
      {!enabled && (
        <Label isCompact color="grey" className="pal-ml">
          disabled
        </Label>
      )}
    </Td>
  );
}

/** One channel; children are its actions (none: no actions cell). */
function ChannelRow({ channel: c, children }: { channel: Channel; children?: ReactNode }) {
  return (
    <Tr data-testid={T.channelRow(c.id)}>
      <NameCell name={c.name} enabled={c.enabled} />
      <Td dataLabel="Kind">
        <Label isCompact variant="outline">
          {c.kind}
        </Label>
      </Td>
      <Td dataLabel="Settings" className="pal-small pal-break">
        {Object.keys(c.settings).length ? (
          Object.entries(c.settings).map(([k, v]) => (
            <div key={k}>
              <span className="pal-muted">{k}:</span> {v}
            </div>
          ))
        ) : (
          <span className="pal-muted">—</span>
        )}
      </Td>
      <Td dataLabel="Secret" className="pal-small">
        {c.has_secret ? 'stored (sealed)' : <span className="pal-muted">none</span>}
      </Td>
      <Td dataLabel="Created" className="pal-small">
        <RelativeTime at={c.created_at} />
      </Td>
      {children && <Td dataLabel="Actions">{children}</Td>}
    </Tr>
  );
}

/** One rule; children are its actions (none: no actions cell). */
function RuleRow({ rule: r, channelName, children }: { rule: AlertRule; channelName: string; children?: ReactNode }) {
  const narrowed = [
    r.checks.length ? `checks ${r.checks.join(', ')}` : '',
    r.areas.length ? `areas ${r.areas.join(', ')}` : '',
    r.targets.length ? `targets ${r.targets.map((t) => `#${t}`).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return (
    <Tr data-testid={T.ruleRow(r.id)}>
      <NameCell name={r.name} enabled={r.enabled} />
      <Td dataLabel="Minimum severity">
        <SeverityLabel severity={r.min_severity} />
      </Td>
      <Td dataLabel="Kinds" className="pal-small">
        {r.kinds.length ? r.kinds.map((k) => (isOneOf(ALERT_KINDS, k) ? ALERT_KIND_LABELS[k] : k)).join(', ') : 'every kind'}
      </Td>
      <Td dataLabel="Narrowed to" className="pal-small pal-break">
        {narrowed || <span className="pal-muted">everything</span>}
      </Td>
      <Td dataLabel="Channel">{channelName}</Td>
      <Td dataLabel="Delivery" className="pal-small">
        {r.digest ? 'digest per run' : 'each event'}
      </Td>
      {children && <Td dataLabel="Actions">{children}</Td>}
    </Tr>
  );
}

function DeleteRuleModal({ tenant, rule, onClose }: { tenant: string; rule: AlertRule; onClose: () => void }) {
  const remove = useDeleteAlertRule(tenant);
  return (
    <ConfirmModal
      isOpen
      title={`Delete ${rule.name}?`}
      confirmLabel="Delete rule"
      isPending={remove.isPending}
      error={remove.error}
      onClose={onClose}
      onConfirm={() => remove.mutate(rule.id, { onSuccess: onClose })}
    >
      Events will no longer be routed by this rule. Deliveries it already queued are still sent. To pause it instead, disable it.
    </ConfirmModal>
  );
}

const deliveryColors: Record<Delivery['status'], 'blue' | 'purple' | 'green' | 'red'> = {
  pending: 'blue',
  sending: 'purple',
  sent: 'green',
  dead: 'red',
};

function Deliveries({ tenant, channels }: { tenant: string; channels: Channel[] | undefined }) {
  const deliveries = useDeliveries(tenant);
  const channelName = (id: number) => channels?.find((c) => c.id === id)?.name ?? `#${id}`;
  return (
    <section aria-labelledby="deliveries-title" data-testid={T.deliveries}>
      <SectionHeader id="deliveries-title" title="Deliveries" />
      <QueryState query={deliveries} what="deliveries">
        {(items) =>
          items.length === 0 ? (
            <EmptyMessage title="No deliveries yet" />
          ) : (
            <InnerScrollContainer>
              <Table aria-label="Deliveries" variant="compact" className="pal-table">
                <Thead>
                  <Tr>
                    <Th>Key</Th>
                    <Th>Channel</Th>
                    <Th>Status</Th>
                    <Th>Attempts</Th>
                    <Th width={30}>Last error</Th>
                    <Th>Created</Th>
                    <Th>Sent</Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {items.map((d) => (
                    <Tr key={d.id} data-testid={T.deliveryRow(d.id)}>
                      <Td dataLabel="Key" className="pal-small pal-break">
                        <code>{d.key}</code>
                      </Td>
                      <Td dataLabel="Channel">{channelName(d.channel_id)}</Td>
                      <Td dataLabel="Status">
                        <Label isCompact color={deliveryColors[d.status]} data-testid={T.deliveryStatus(d.id)}>
                          {d.status}
                        </Label>
                      </Td>
                      <Td dataLabel="Attempts">{d.attempts}</Td>
                      <Td dataLabel="Last error" className="pal-small pal-break">
                        {d.last_error || <span className="pal-muted">—</span>}
                      </Td>
                      <Td dataLabel="Created" modifier="nowrap" className="pal-small">
                        {formatDateTime(d.created_at)}
                      </Td>
                      <Td dataLabel="Sent" modifier="nowrap" className="pal-small">
                        {d.sent_at ? formatDateTime(d.sent_at) : <span className="pal-muted">—</span>}
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            </InnerScrollContainer>
          )
        }
      </QueryState>
    </section>
  );
}
