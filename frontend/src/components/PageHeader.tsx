import { useEffect, type ReactNode } from 'react';
import { Content, Flex, FlexItem, PageSection, Title } from '@patternfly/react-core';

/** Sets the document title: "Findings · Acme Retail · Palisade". */
export function usePageTitle(...parts: (string | undefined)[]) {
  const title = [...parts.filter(Boolean), 'Palisade'].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}

/** The heading of a view, with an optional line of help and actions on the right. */
export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <PageSection variant="default" className="pal-page-header">
      <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} alignItems={{ default: 'alignItemsFlexStart' }}>
        <FlexItem>
          <Title headingLevel="h1" size="xl">
            {title}
          </Title>
          {description && (
            <Content component="p" className="pal-muted">
              {description}
            </Content>
          )}
        </FlexItem>
        {actions && <FlexItem>{actions}</FlexItem>}
      </Flex>
    </PageSection>
  );
}
