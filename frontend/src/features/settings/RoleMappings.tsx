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
  TextInput,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { ROLES, isOneOf } from '../../api/enums';
import type { RoleMapping, Role } from '../../api/types';
import { Can } from '../../auth/Can';
import { useCan } from '../../auth/permissions';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyMessage } from '../../components/EmptyMessage';
import { InlineError } from '../../components/InlineError';
import { QueryState } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { useCreateRoleMapping, useDeleteRoleMapping, useRoleMappings } from './api';

const T = testIds.settings;

export function RoleMappings({ tenant }: { tenant: string }) {
  const can = useCan();
  const mappings = useRoleMappings(tenant);
  const create = useCreateRoleMapping(tenant);
  const remove = useDeleteRoleMapping(tenant);
  const [value, setValue] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [deleting, setDeleting] = useState<RoleMapping | null>(null);

  return (
    <Card isCompact data-testid={T.mappings}>
      <CardTitle component="h2">Role mappings</CardTitle>
      <CardBody>
        <QueryState query={mappings} what="role mappings">
          {(data) => (
            <>
              <p className="pal-small">
                Members of an identity provider group get its role here, read from the ID token claim{' '}
                <code data-testid={T.claim}>{data.claim}</code>. A new mapping applies at each member&apos;s next sign-in; a deleted one
                takes its role away at once.
              </p>
              {data.items.length === 0 ? (
                <EmptyMessage title="No mappings: only the tenant's default role applies" />
              ) : (
                <Table aria-label="Role mappings" variant="compact" className="pal-table">
                  <Thead>
                    <Tr>
                      <Th>{data.claim} value</Th>
                      <Th>Role</Th>
                      <Th>Created</Th>
                      {can('admin.write') && <Th screenReaderText="Actions" />}
                    </Tr>
                  </Thead>
                  <Tbody>
                    {data.items.map((m) => (
                      <Tr key={m.id} data-testid={T.mappingRow(m.id)}>
                        <Td dataLabel="Value">
                          <code>{m.claim_value}</code>
                        </Td>
                        <Td dataLabel="Role">{m.role}</Td>
                        <Td dataLabel="Created" className="pal-small">
                          {formatDateTime(m.created_at)}
                        </Td>
                        {can('admin.write') && (
                          <Td isActionCell>
                            <Button
                              variant="link"
                              isDanger
                              size="sm"
                              onClick={() => setDeleting(m)}
                              data-testid={T.mappingDelete(m.id)}
                              aria-label={`Delete mapping ${m.claim_value}`}
                            >
                              Delete
                            </Button>
                          </Td>
                        )}
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              )}
            </>
          )}
        </QueryState>
        <Can perm="admin.write">
          <Form
            className="pal-mt"
            onSubmit={(e) => {
              e.preventDefault();
              if (value.trim()) create.mutate({ claim_value: value.trim(), role }, { onSuccess: () => setValue('') });
            }}
          >
            <Grid hasGutter>
              <GridItem md={6}>
                <FormGroup label="Group" isRequired fieldId="mapping-value">
                  <TextInput
                    id="mapping-value"
                    isRequired
                    maxLength={256}
                    value={value}
                    onChange={(_e, v) => setValue(v)}
                    data-testid={T.mappingValue}
                  />
                </FormGroup>
              </GridItem>
              <GridItem md={4}>
                <FormGroup label="Role" isRequired fieldId="mapping-role">
                  <FormSelect
                    id="mapping-role"
                    value={role}
                    onChange={(_e, v) => isOneOf(ROLES, v) && setRole(v)}
                    data-testid={T.mappingRole}
                  >
                    {ROLES.map((r) => (
                      <FormSelectOption key={r} value={r} label={r} />
                    ))}
                  </FormSelect>
                </FormGroup>
              </GridItem>
              <GridItem md={2} className="pal-align-end">
                <Button
                  type="submit"
                  isDisabled={!value.trim() || create.isPending}
                  isLoading={create.isPending}
                  data-testid={T.mappingAdd}
                >
                  Add mapping
                </Button>
              </GridItem>
            </Grid>
            <InlineError error={create.error} title="Adding the mapping failed" />
          </Form>
        </Can>
      </CardBody>
      <ConfirmModal
        isOpen={deleting !== null}
        title={`Delete the mapping for ${deleting?.claim_value ?? ''}?`}
        confirmLabel="Delete mapping"
        isPending={remove.isPending}
        error={remove.error}
        onClose={() => {
          remove.reset();
          setDeleting(null);
        }}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
      >
        Members who got the role {deleting?.role} through this group lose it at once, open sessions included; a lesser role from another
        group comes back at their next sign-in.
      </ConfirmModal>
    </Card>
  );
}
