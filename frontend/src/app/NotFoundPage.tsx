import { EmptyState, EmptyStateBody, PageSection } from '@patternfly/react-core';
import { Link } from 'react-router';
import { usePageTitle } from '../components/PageHeader';
import { testIds } from '../testids';

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <PageSection>
      <EmptyState data-testid={testIds.app.notFound} titleText="Page not found" headingLevel="h1">
        <EmptyStateBody>
          There is no page at this address. <Link to="/">Go to your dashboard</Link>.
        </EmptyStateBody>
      </EmptyState>
    </PageSection>
  );
}
