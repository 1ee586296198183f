import type { ReactNode } from 'react';
import { EmptyState, EmptyStateBody, PageSection } from '@patternfly/react-core';
import LockIcon from '@patternfly/react-icons/dist/esm/icons/lock-icon';
import type { Permission } from '../api/types';
import { useCan, useTenant } from '../auth/permissions';
import { usePageTitle } from '../components/PageHeader';
import { testIds } from '../testids';

/** A view the role may not open says so instead of failing with a 403 from the API. */
export function RequirePermission({ perm, what, children }: { perm: Permission; what: string; children: ReactNode }) {
  const can = useCan();
  const tenant = useTenant();
  const allowed = can(perm);
  usePageTitle(allowed ? undefined : 'Not permitted', tenant.name);
  if (allowed) return <>{children}</>;
  return (
    <PageSection>
      <EmptyState data-testid={testIds.app.error} status="warning" icon={LockIcon} titleText={`You may not view ${what}`} headingLevel="h1">
        <EmptyStateBody>
          Your role in {tenant.name} is <strong>{tenant.role}</strong>, which does not include <code>{perm}</code>.
        </EmptyStateBody>
      </EmptyState>
    </PageSection>
  );
}
