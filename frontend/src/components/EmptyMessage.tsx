import type { ReactNode } from 'react';
import { EmptyState, EmptyStateBody } from '@patternfly/react-core';
import { testIds } from '../testids';

export function EmptyMessage({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <EmptyState data-testid={testIds.app.empty} titleText={title} headingLevel="h3" variant="xs">
      {children && <EmptyStateBody>{children}</EmptyStateBody>}
    </EmptyState>
  );
}
