import { useState } from 'react';
import {
  Button,
  Card,
  CardBody,
  CardTitle,
  FormSelect,
  FormSelectOption,
  Label,
  PageSection,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link, useSearchParams } from 'react-router';
import type { Recommendation } from '../../api/types';
import { useCan, useTenant } from '../../auth/permissions';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyMessage } from '../../components/EmptyMessage';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { ScoreText } from '../../components/ScoreText';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';
import { useRecommendations, useRevokeAttestation } from './api';
import { AttestationCell } from './AttestationCell';
import { CheckLinks } from './CheckLinks';
import { AttestModal } from './AttestModal';
import { CSA_STATUSES, CsaStatusLabel, csaStatusText } from './CsaStatusLabel';

const T = testIds.csa;

function groupByArea(items: Recommendation[]) {
  const areas = new Map<string, { id: string; title: string; items: Recommendation[] }>();
  for (const r of items) {
    const a = areas.get(r.area) ?? { id: r.area, title: r.area_title, items: [] };
    a.items.push(r);
    areas.set(r.area, a);
  }
  return [...areas.values()];
}

export function CsaPage() {
  const tenant = useTenant();
  const can = useCan();
  usePageTitle('CSA controls', tenant.name);
  const recs = useRecommendations(tenant.slug);
  const revoke = useRevokeAttestation(tenant.slug);
  const [search, setSearch] = useSearchParams();
  // The status filter lives in the URL, so that a dashboard number can open exactly its list.
  const status = search.get('status') ?? '';
  // ?attestation=missing lists the attestation gaps: attest and partial recommendations with
  // no valid attestation, whatever their checks say (the dashboard's "attestation gaps").
  const gapsOnly = search.get('attestation') === 'missing';
  const setStatus = (v: string) =>
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (v) next.set('status', v);
        else next.delete('status');
        return next;
      },
      { replace: true },
    );
  const [attesting, setAttesting] = useState<Recommendation | null>(null);
  const [revoking, setRevoking] = useState<Recommendation | null>(null);
  const canAttest = can('attestation.write');

  return (
    <div data-testid={T.page}>
      <PageHeader
        title="CSA container best practices"
        description="Each recommendation's status in this tenant: automated ones from checks, attest-only ones from attestations, partial ones from both."
      />
      <PageSection>
        <QueryState query={recs} what="CSA recommendations">
          {(items) => {
            const shown = items.filter(
              (r) => (!status || r.status === status) && (!gapsOnly || (r.mode !== 'automated' && r.attestation === null)),
            );
            const counts = CSA_STATUSES.map((s) => [s, items.filter((r) => r.status === s).length] as const);
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
                        <FormSelectOption value="" label={`All ${items.length} recommendations`} />
                        {counts.map(([s, n]) => (
                          <FormSelectOption key={s} value={s} label={`${csaStatusText(s)} (${n})`} />
                        ))}
                      </FormSelect>
                    </ToolbarItem>
                    {gapsOnly && (
                      <ToolbarItem>
                        <Label
                          color="orange"
                          onClose={() =>
                            setSearch(
                              (prev) => {
                                const next = new URLSearchParams(prev);
                                next.delete('attestation');
                                return next;
                              },
                              { replace: true },
                            )
                          }
                          data-testid={T.gapsFilter}
                        >
                          Without a valid attestation ({shown.length})
                        </Label>
                      </ToolbarItem>
                    )}
                  </ToolbarContent>
                </Toolbar>
                {shown.length === 0 && <EmptyMessage title="No recommendation has this status" />}
                {groupByArea(shown).map((area) => (
                  <Card key={area.id} isCompact className="pal-mb" data-testid={T.area(area.id)} id={`area-${area.id}`}>
                    <CardTitle component="h2">
                      <code>{area.id}</code> {area.title}
                    </CardTitle>
                    <CardBody>
                      <Table aria-label={`${area.id} ${area.title}`} variant="compact" className="pal-table">
                        <Thead>
                          <Tr>
                            <Th width={10}>ID</Th>
                            <Th width={35}>Recommendation</Th>
                            <Th>Mode</Th>
                            <Th>Status</Th>
                            <Th
                              info={{ tooltip: 'Share of the assets its checks judged that pass, and its attestation (docs/scoring.md)' }}
                            >
                              Compliance
                            </Th>
                            <Th width={20}>Checks</Th>
                            <Th modifier="nowrap">Open findings</Th>
                            <Th width={20}>Attestation</Th>
                            {canAttest && <Th screenReaderText="Actions" />}
                          </Tr>
                        </Thead>
                        <Tbody>
                          {area.items.map((r) => (
                            <Tr key={r.id} data-testid={T.row(r.id)} id={`csa-${r.id}`}>
                              <Td dataLabel="ID">
                                <code>{r.id}</code>
                              </Td>
                              <Td dataLabel="Recommendation">{r.title}</Td>
                              <Td dataLabel="Mode">
                                <Label isCompact variant="outline">
                                  {r.mode}
                                </Label>
                              </Td>
                              <Td dataLabel="Status">
                                <CsaStatusLabel status={r.status} testId={T.status(r.id)} />
                              </Td>
                              <Td dataLabel="Compliance">
                                <ScoreText score={r.compliance} />
                                {r.subjects > 0 && (
                                  <div className="pal-muted pal-small">
                                    {r.passed} of {r.subjects} pass
                                  </div>
                                )}
                              </Td>
                              <Td dataLabel="Checks" className="pal-small">
                                <CheckLinks tenant={tenant.slug} checks={r.checks} />
                              </Td>
                              <Td dataLabel="Open findings">
                                {r.checks.length === 0 ? (
                                  <span className="pal-muted">—</span>
                                ) : (
                                  <Link to={findingsHref(tenant.slug, { csa: r.id })} data-testid={T.findingsLink(r.id)}>
                                    {r.open_findings}
                                  </Link>
                                )}
                              </Td>
                              <Td dataLabel="Attestation">
                                <AttestationCell attestation={r.attestation} />
                              </Td>
                              {canAttest && (
                                <Td dataLabel="Actions" modifier="nowrap">
                                  {r.mode !== 'automated' && (
                                    <Button variant="secondary" size="sm" onClick={() => setAttesting(r)} data-testid={T.attest(r.id)}>
                                      {r.attestation?.valid ? 'Renew…' : 'Attest…'}
                                    </Button>
                                  )}{' '}
                                  {r.attestation?.valid && (
                                    <Button variant="link" isDanger size="sm" onClick={() => setRevoking(r)} data-testid={T.revoke(r.id)}>
                                      Revoke
                                    </Button>
                                  )}
                                </Td>
                              )}
                            </Tr>
                          ))}
                        </Tbody>
                      </Table>
                    </CardBody>
                  </Card>
                ))}
              </>
            );
          }}
        </QueryState>
      </PageSection>
      {attesting && <AttestModal tenant={tenant.slug} recommendation={attesting} onClose={() => setAttesting(null)} />}
      <ConfirmModal
        isOpen={revoking !== null}
        title={`Revoke the attestation of ${revoking?.id ?? ''}?`}
        confirmLabel="Revoke"
        isPending={revoke.isPending}
        error={revoke.error}
        onClose={() => {
          revoke.reset();
          setRevoking(null);
        }}
        onConfirm={() => {
          const id = revoking?.attestation?.id;
          if (id) revoke.mutate(id, { onSuccess: () => setRevoking(null) });
        }}
      >
        The CSA view shows it revoked at once and it stays on record; scores count it as missing from the next complete run of each target.
        The recommendation then needs a new attestation.
      </ConfirmModal>
    </div>
  );
}
