import { Grid, GridItem, PageSection } from '@patternfly/react-core';
import { useTenant } from '../../auth/permissions';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { testIds } from '../../testids';
import { ApiTokens } from './ApiTokens';
import { RoleMappings } from './RoleMappings';

export function SettingsPage() {
  const tenant = useTenant();
  usePageTitle('Access settings', tenant.name);
  return (
    <div data-testid={testIds.settings.page}>
      <PageHeader title="Access settings" description={`Who gets which role in ${tenant.name}, and the tokens that automation uses.`} />
      <PageSection>
        <Grid hasGutter>
          <GridItem>
            <RoleMappings tenant={tenant.slug} />
          </GridItem>
          <GridItem>
            <ApiTokens tenant={tenant.slug} />
          </GridItem>
        </Grid>
      </PageSection>
    </div>
  );
}
