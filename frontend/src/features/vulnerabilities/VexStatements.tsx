import { useState } from 'react';
import { Checkbox, Flex, FlexItem, Title } from '@patternfly/react-core';
import type { VEXStatement } from '../../api/types';
import { useCan } from '../../auth/permissions';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyMessage } from '../../components/EmptyMessage';
import { QueryState } from '../../components/QueryState';
import { testIds } from '../../testids';
import { shortDigest } from '../images/imageFilters';
import { useRevokeVex, useVexStatements } from './api';
import { VexStatementsTable } from './VexStatementsTable';

const T = testIds.vex;

/**
 * The tenant's VEX statements ("not affected"), optionally only those about one vulnerability,
 * with revocation (after a confirmation) for those who decide exceptions.
 */
export function VexStatements({
  tenant,
  title,
  about,
  empty,
}: {
  tenant: string;
  title: string;
  /** Keeps only the statements it accepts; all when absent. */
  about?: (s: VEXStatement) => boolean;
  empty: string;
}) {
  const can = useCan();
  const [includeExpired, setIncludeExpired] = useState(false);
  const [revoking, setRevoking] = useState<VEXStatement | null>(null);
  const statements = useVexStatements(tenant, includeExpired);
  const revoke = useRevokeVex(tenant);
  const canRevoke = can('exception.decide');
  const close = () => {
    revoke.reset();
    setRevoking(null);
  };
  return (
    <div data-testid={T.section}>
      <Flex alignItems={{ default: 'alignItemsCenter' }} className="pal-section-title">
        <FlexItem>
          <Title headingLevel="h2" size="lg">
            {title}
          </Title>
        </FlexItem>
        <FlexItem>
          <Checkbox
            id="vex-include-expired"
            label="Include expired"
            isChecked={includeExpired}
            onChange={(_e, on) => setIncludeExpired(on)}
            data-testid={T.includeExpired}
          />
        </FlexItem>
      </Flex>
      <QueryState query={statements} what="VEX statements">
        {(items) => {
          const shown = about ? items.filter(about) : items;
          return shown.length === 0 ? (
            <EmptyMessage title="No VEX statements">{empty}</EmptyMessage>
          ) : (
            <VexStatementsTable tenant={tenant} statements={shown} onRevoke={canRevoke ? setRevoking : undefined} />
          );
        }}
      </QueryState>
      <ConfirmModal
        isOpen={revoking !== null}
        title={`Revoke VEX statement #${revoking?.id ?? ''}?`}
        confirmLabel="Revoke"
        isPending={revoke.isPending}
        error={revoke.error}
        onClose={close}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: close })}
      >
        {revoking?.vulnerability} counts again for {revoking?.digest ? `image ${shortDigest(revoking.digest)}` : 'every image'}
        {revoking?.component ? ` (package ${revoking.component})` : ''}: it is listed and counted as affecting it from now on.
      </ConfirmModal>
    </div>
  );
}
