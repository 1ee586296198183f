import { Button, EmptyState, EmptyStateActions, EmptyStateBody, EmptyStateFooter, PageSection } from '@patternfly/react-core';
import UserIcon from '@patternfly/react-icons/dist/esm/icons/user-slash-icon';
import { useSession } from '../auth/session';
import { useLogout } from '../auth/useLogout';
import { InlineError } from '../components/InlineError';
import { usePageTitle } from '../components/PageHeader';
import { testIds } from '../testids';

/** Signed in, but no role in any tenant (no mapped group and no default role). */
export function NoTenantPage() {
  const session = useSession();
  const logout = useLogout();
  usePageTitle('No access');
  return (
    <PageSection isFilled>
      <main id="main-content" className="pal-fullpage">
        <EmptyState data-testid={testIds.app.noTenant} icon={UserIcon} titleText="You have no access to any tenant" headingLevel="h1">
          <EmptyStateBody>
            You are signed in as <strong>{session.user.name || session.user.email || session.user.subject}</strong>, but none of your
            identity provider groups maps to a role in a Palisade tenant. Ask a Palisade administrator to map one of your groups to a role.
          </EmptyStateBody>
          <EmptyStateFooter>
            <InlineError error={logout.error} title="Sign out failed" />
            <EmptyStateActions>
              <Button variant="secondary" onClick={() => logout.mutate()} isLoading={logout.isPending} data-testid={testIds.app.logout}>
                Sign out
              </Button>
            </EmptyStateActions>
          </EmptyStateFooter>
        </EmptyState>
      </main>
    </PageSection>
  );
}
