import { EmptyState, EmptyStateBody, PageSection } from '@patternfly/react-core';
import { Link, Outlet, useParams } from 'react-router';
import { TenantContext } from '../auth/permissions';
import { useSession } from '../auth/session';
import { usePageTitle } from '../components/PageHeader';
import { testIds } from '../testids';
import { AppShell } from './AppShell';

/** /t/:tenant: the caller's membership in that tenant, or "not found" (the API says the same). */
export function TenantLayout() {
  const { tenant: slug = '' } = useParams();
  const session = useSession();
  const membership = session.tenants.find((t) => t.slug === slug);
  if (!membership) return <TenantNotFound slug={slug} />;
  return (
    <TenantContext.Provider value={membership}>
      <AppShell>
        <Outlet />
      </AppShell>
    </TenantContext.Provider>
  );
}

function TenantNotFound({ slug }: { slug: string }) {
  usePageTitle('Tenant not found');
  return (
    <PageSection isFilled>
      <main id="main-content" className="pal-fullpage">
        <EmptyState data-testid={testIds.app.tenantNotFound} titleText="Tenant not found" headingLevel="h1">
          <EmptyStateBody>
            There is no tenant <code>{slug}</code> that you belong to. <Link to="/">Go to your dashboard</Link>.
          </EmptyStateBody>
        </EmptyState>
      </main>
    </PageSection>
  );
}
