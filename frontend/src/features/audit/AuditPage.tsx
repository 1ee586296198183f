import { useState } from 'react';
import { Button, Form, PageSection, TextInput, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import DownloadIcon from '@patternfly/react-icons/dist/esm/icons/download-icon';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useSearchParams } from 'react-router';
import { useTenant } from '../../auth/permissions';
import { EmptyMessage } from '../../components/EmptyMessage';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { useAudit } from './api';
import { AuditValue } from './AuditValue';

const T = testIds.audit;

export function AuditPage() {
  const tenant = useTenant();
  usePageTitle('Audit log', tenant.name);
  const [params, setParams] = useSearchParams();
  const actor = params.get('actor') ?? '';
  const action = params.get('action') ?? '';
  const [draft, setDraft] = useState({ actor, action });
  const audit = useAudit(tenant.slug, actor, action);

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Audit log"
        description="Every sign-in, refused request and change in this tenant, newest first. Entries are hash-chained; palisade audit verify checks the chain."
        actions={
          <Button
            component="a"
            variant="secondary"
            icon={<DownloadIcon />}
            href={`/api/v1/tenants/${encodeURIComponent(tenant.slug)}/audit/export`}
            download={`palisade-audit-${tenant.slug}.jsonl`}
            data-testid={T.export}
          >
            Export JSON Lines
          </Button>
        }
      />
      <PageSection>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            const p = new URLSearchParams();
            if (draft.actor.trim()) p.set('actor', draft.actor.trim());
            if (draft.action.trim()) p.set('action', draft.action.trim());
            setParams(p);
          }}
        >
          <Toolbar inset={{ default: 'insetNone' }}>
            <ToolbarContent>
              <ToolbarItem>
                <TextInput
                  aria-label="Actor"
                  placeholder="Actor, e.g. alice@acme.example"
                  value={draft.actor}
                  onChange={(_e, v) => setDraft((d) => ({ ...d, actor: v }))}
                  data-testid={T.actor}
                />
              </ToolbarItem>
              <ToolbarItem>
                <TextInput
                  aria-label="Action prefix"
                  placeholder="Action prefix, e.g. finding."
                  value={draft.action}
                  onChange={(_e, v) => setDraft((d) => ({ ...d, action: v }))}
                  data-testid={T.action}
                />
              </ToolbarItem>
              <ToolbarItem>
                <Button type="submit" variant="secondary" data-testid={T.apply}>
                  Filter
                </Button>
              </ToolbarItem>
            </ToolbarContent>
          </Toolbar>
        </Form>
        <QueryState query={audit} what="the audit log">
          {(data) => {
            const items = data.pages.flatMap((p) => p.items);
            if (items.length === 0) return <EmptyMessage title="No audit entries match" />;
            return (
              <>
                <InnerScrollContainer>
                  <Table aria-label="Audit log" variant="compact" data-testid={T.table} className="pal-table">
                    <Thead>
                      <Tr>
                        <Th>When</Th>
                        <Th>Actor</Th>
                        <Th>Action</Th>
                        <Th>Object</Th>
                        <Th width={20}>Before</Th>
                        <Th width={20}>After</Th>
                        <Th>From</Th>
                      </Tr>
                    </Thead>
                    <Tbody>
                      {items.map((e) => (
                        <Tr key={e.id} data-testid={T.row(e.id)}>
                          <Td dataLabel="When" modifier="nowrap" className="pal-small">
                            {formatDateTime(e.at)}
                            <div className="pal-muted">#{e.id}</div>
                          </Td>
                          <Td dataLabel="Actor" className="pal-small pal-break">
                            {e.actor}
                          </Td>
                          <Td dataLabel="Action">
                            <code>{e.action}</code>
                          </Td>
                          <Td dataLabel="Object" className="pal-small pal-break">
                            {e.object}
                          </Td>
                          <Td dataLabel="Before" className="pal-small">
                            <AuditValue value={e.before} />
                          </Td>
                          <Td dataLabel="After" className="pal-small">
                            <AuditValue value={e.after} />
                          </Td>
                          <Td dataLabel="From" className="pal-small">
                            {e.remote_ip || '—'}
                            <div className="pal-muted" title="Request ID">
                              {e.request_id}
                            </div>
                          </Td>
                        </Tr>
                      ))}
                    </Tbody>
                  </Table>
                </InnerScrollContainer>
                <p className="pal-small pal-muted">
                  {items.length} entries shown.{' '}
                  {audit.hasNextPage ? (
                    <Button
                      variant="link"
                      isInline
                      onClick={() => void audit.fetchNextPage()}
                      isLoading={audit.isFetchingNextPage}
                      data-testid={T.loadMore}
                    >
                      Load older entries
                    </Button>
                  ) : actor || action ? (
                    'No older entries match.'
                  ) : (
                    'That is the beginning of the log.'
                  )}
                </p>
              </>
            );
          }}
        </QueryState>
      </PageSection>
    </div>
  );
}
