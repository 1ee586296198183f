import { useState } from 'react';
import {
  Button,
  Card,
  CardBody,
  CardTitle,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  Label,
  TextInput,
} from '@patternfly/react-core';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { ROLES, isOneOf } from '../../api/enums';
import type { APIToken, NewAPIToken, Role } from '../../api/types';
import { Can } from '../../auth/Can';
import { useCan } from '../../auth/permissions';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyMessage } from '../../components/EmptyMessage';
import { InlineError } from '../../components/InlineError';
import { QueryState } from '../../components/QueryState';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDate } from '../../lib/format';
import { testIds } from '../../testids';
import { useApiTokens, useCreateApiToken, useRevokeApiToken } from './api';
import { NewTokenSecret } from './NewTokenSecret';

const T = testIds.settings;

function tokenState(t: APIToken): { text: string; color: 'green' | 'grey' | 'red' } {
  if (t.revoked_at) return { text: 'revoked', color: 'red' };
  if (!t.active) return { text: 'expired', color: 'grey' };
  return { text: 'active', color: 'green' };
}

export function ApiTokens({ tenant }: { tenant: string }) {
  const can = useCan();
  const tokens = useApiTokens(tenant);
  const create = useCreateApiToken(tenant);
  const revoke = useRevokeApiToken(tenant);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<NewAPIToken | null>(null);
  const [revoking, setRevoking] = useState<APIToken | null>(null);
  const daysOk = /^\d+$/.test(days) && Number(days) >= 1 && Number(days) <= 366;

  return (
    <Card isCompact data-testid={T.tokens}>
      <CardTitle component="h2">API tokens</CardTitle>
      <CardBody>
        {created && <NewTokenSecret token={created} onDismiss={() => setCreated(null)} />}
        <QueryState query={tokens} what="API tokens">
          {(items) =>
            items.length === 0 ? (
              <EmptyMessage title="No API tokens" />
            ) : (
              <InnerScrollContainer>
                <Table aria-label="API tokens" variant="compact" className="pal-table">
                  <Thead>
                    <Tr>
                      <Th>Name</Th>
                      <Th>Prefix</Th>
                      <Th>Role</Th>
                      <Th>State</Th>
                      <Th>Created</Th>
                      <Th>Expires</Th>
                      <Th>Last used</Th>
                      {can('admin.write') && <Th screenReaderText="Actions" />}
                    </Tr>
                  </Thead>
                  <Tbody>
                    {items.map((t) => {
                      const state = tokenState(t);
                      return (
                        <Tr key={t.id} data-testid={T.tokenRow(t.id)}>
                          <Td dataLabel="Name">{t.name}</Td>
                          <Td dataLabel="Prefix">
                            <code>{t.prefix}…</code>
                          </Td>
                          <Td dataLabel="Role">{t.role}</Td>
                          <Td dataLabel="State">
                            <Label isCompact color={state.color}>
                              {state.text}
                            </Label>
                          </Td>
                          <Td dataLabel="Created" className="pal-small">
                            {formatDate(t.created_at)} by {t.created_by}
                          </Td>
                          <Td dataLabel="Expires" className="pal-small">
                            {t.expires_at ? formatDate(t.expires_at) : 'never'}
                          </Td>
                          <Td dataLabel="Last used" className="pal-small">
                            <RelativeTime at={t.last_used_at} />
                          </Td>
                          {can('admin.write') && (
                            <Td isActionCell>
                              {t.active && (
                                <Button
                                  variant="link"
                                  isDanger
                                  size="sm"
                                  onClick={() => setRevoking(t)}
                                  data-testid={T.tokenRevoke(t.id)}
                                  aria-label={`Revoke token ${t.name}`}
                                >
                                  Revoke
                                </Button>
                              )}
                            </Td>
                          )}
                        </Tr>
                      );
                    })}
                  </Tbody>
                </Table>
              </InnerScrollContainer>
            )
          }
        </QueryState>
        <Can perm="admin.write">
          <Form
            className="pal-mt"
            onSubmit={(e) => {
              e.preventDefault();
              if (!name.trim() || !daysOk) return;
              create.mutate(
                { name: name.trim(), role, expires_in_days: Number(days) },
                {
                  onSuccess: (t) => {
                    setCreated(t);
                    setName('');
                  },
                },
              );
            }}
          >
            <Grid hasGutter>
              <GridItem md={5}>
                <FormGroup label="Token name" isRequired fieldId="token-name">
                  <TextInput
                    id="token-name"
                    isRequired
                    maxLength={100}
                    value={name}
                    onChange={(_e, v) => setName(v)}
                    data-testid={T.tokenName}
                  />
                </FormGroup>
              </GridItem>
              <GridItem md={3}>
                <FormGroup label="Role" isRequired fieldId="token-role">
                  <FormSelect id="token-role" value={role} onChange={(_e, v) => isOneOf(ROLES, v) && setRole(v)} data-testid={T.tokenRole}>
                    {ROLES.map((r) => (
                      <FormSelectOption key={r} value={r} label={r} />
                    ))}
                  </FormSelect>
                </FormGroup>
              </GridItem>
              <GridItem md={2}>
                <FormGroup label="Expires in days" isRequired fieldId="token-days">
                  <TextInput
                    id="token-days"
                    type="number"
                    min={1}
                    max={366}
                    isRequired
                    value={days}
                    validated={daysOk ? 'default' : 'error'}
                    onChange={(_e, v) => setDays(v)}
                    data-testid={T.tokenExpiry}
                  />
                </FormGroup>
              </GridItem>
              <GridItem md={2} className="pal-align-end">
                <Button
                  type="submit"
                  isDisabled={!name.trim() || !daysOk || create.isPending}
                  isLoading={create.isPending}
                  data-testid={T.tokenAdd}
                >
                  Create token
                </Button>
              </GridItem>
            </Grid>
            <InlineError error={create.error} title="Creating the token failed" />
          </Form>
        </Can>
      </CardBody>
      <ConfirmModal
        isOpen={revoking !== null}
        title={`Revoke ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke token"
        isPending={revoke.isPending}
        error={revoke.error}
        onClose={() => {
          revoke.reset();
          setRevoking(null);
        }}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
      >
        It stops working at once; automation using it will get 401 answers.
      </ConfirmModal>
    </Card>
  );
}
