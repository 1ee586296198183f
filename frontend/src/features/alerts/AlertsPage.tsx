import { useState, type ReactNode } from 'react';
import { Button, Flex, FlexItem, Label, PageSection, Title } from '@patternfly/react-core';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { ALERT_CHANNEL_KINDS, ALERT_KIND_LABELS, isOneOf, ALERT_KINDS } from '../../api/enums';
import type { Channel, ChannelTestResult, Delivery } from '../../api/types';
import { Can } from '../../auth/Can';
import { useCan, useTenant } from '../../auth/permissions';
import { EmptyMessage } from '../../components/EmptyMessage';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { RelativeTime } from '../../components/RelativeTime';
import { SeverityLabel } from '../../components/SeverityLabel';
import { formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { useAlertRules, useChannels, useDeliveries, useTestChannel } from './api';
import { ChannelFormModal } from './ChannelFormModal';
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
  const [adding, setAdding] = useState(false);
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
            <Button variant="secondary" onClick={() => setAdding(true)} data-testid={T.channelAdd}>
              Add channel
            </Button>
          </Can>
        }
      />
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
                    <Tr key={c.id} data-testid={T.channelRow(c.id)}>
                      <Td dataLabel="Name" className="pal-strong">
                        {c.name}
                        {!c.enabled && (
                          <Label isCompact color="grey" className="pal-ml">
                            disabled
                          </Label>
                        )}
                      </Td>
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
                      {canWrite && (
                        <Td dataLabel="Actions">
                          <Flex
                            direction={{ default: 'column' }}
                            gap={{ default: 'gapSm' }}
                            alignItems={{ default: 'alignItemsFlexStart' }}
                          >
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
                          </Flex>
                        </Td>
                      )}
                    </Tr>
                  );
                })}
              </Tbody>
            </Table>
          )
        }
      </QueryState>
      {adding && <ChannelFormModal tenant={tenant} onClose={() => setAdding(false)} />}
    </section>
  );
}

function Rules({ tenant, channels }: { tenant: string; channels: Channel[] | undefined }) {
  const rules = useAlertRules(tenant);
  const [adding, setAdding] = useState(false);
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
              onClick={() => setAdding(true)}
              isAriaDisabled={noChannels}
              data-testid={T.ruleAdd}
              title={noChannels ? 'Add a webhook, Slack or email channel first' : undefined}
            >
              Add rule
            </Button>
          </Can>
        }
      />
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
                </Tr>
              </Thead>
              <Tbody>
                {items.map((r) => (
                  <Tr key={r.id} data-testid={T.ruleRow(r.id)}>
                    <Td dataLabel="Name" className="pal-strong">
                      {r.name}
                      {!r.enabled && (
                        <Label isCompact color="grey" className="pal-ml">
                          disabled
                        </Label>
                      )}
                    </Td>
                    <Td dataLabel="Minimum severity">
                      <SeverityLabel severity={r.min_severity} />
                    </Td>
                    <Td dataLabel="Kinds" className="pal-small">
                      {r.kinds.length ? r.kinds.map((k) => (isOneOf(ALERT_KINDS, k) ? ALERT_KIND_LABELS[k] : k)).join(', ') : 'every kind'}
                    </Td>
                    <Td dataLabel="Narrowed to" className="pal-small pal-break">
                      {[
                        r.checks.length ? `checks ${r.checks.join(', ')}` : '',
                        r.areas.length ? `areas ${r.areas.join(', ')}` : '',
                        r.targets.length ? `targets ${r.targets.map((t) => `#${t}`).join(', ')}` : '',
                      ]
                        .filter(Boolean)
                        .join('; ') || <span className="pal-muted">everything</span>}
                    </Td>
                    <Td dataLabel="Channel">{channelName(r.channel_id)}</Td>
                    <Td dataLabel="Delivery" className="pal-small">
                      {r.digest ? 'digest per run' : 'each event'}
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          )
        }
      </QueryState>
      {adding && alertChannels && <RuleFormModal tenant={tenant} channels={alertChannels} onClose={() => setAdding(false)} />}
    </section>
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
