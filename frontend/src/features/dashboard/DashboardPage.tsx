import { Grid, GridItem, PageSection, Title } from '@patternfly/react-core';
import { useTenant } from '../../auth/permissions';
import { useSession } from '../../auth/session';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { EmptyMessage } from '../../components/EmptyMessage';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { testIds } from '../../testids';
import { useTargets } from '../targets/api';
import { useScores } from './api';
import { AreaScores } from './AreaScores';
import { OverallCard } from './OverallCard';
import { RemediationCard } from './RemediationCard';
import { RiskRanking } from './RiskRanking';
import { ScoreTrend } from './ScoreTrend';
import { StaleTargetsAlert } from './StaleTargetsAlert';
import { TargetCards } from './TargetCards';
import { TargetFocus } from './TargetFocus';
import { TenantsOverview } from './TenantsOverview';

export function DashboardPage() {
  const tenant = useTenant();
  usePageTitle('Dashboard', tenant.name);
  const scores = useScores(tenant.slug);
  const targets = useTargets(tenant.slug);
  const several = useSession().tenants.length > 1;

  const body = () => {
    if (scores.isPending || targets.isPending) return <LoadingState label="Loading scores" />;
    if (scores.isError) return <ErrorState error={scores.error} what="scores" onRetry={() => void scores.refetch()} />;
    if (targets.isError) return <ErrorState error={targets.error} what="targets" onRetry={() => void targets.refetch()} />;
    if (targets.data.length === 0) return <EmptyMessage title="No targets yet">Add a target to start collecting.</EmptyMessage>;
    return (
      <>
        <StaleTargetsAlert tenant={tenant.slug} targets={targets.data} />
        <Grid hasGutter className="pal-mt">
          <GridItem md={4} xl={3}>
            <OverallCard tenant={tenant.slug} scores={scores.data} />
          </GridItem>
          <GridItem md={8} xl={9}>
            <ScoreTrend tenant={tenant.slug} targets={targets.data} areas={scores.data.areas} />
          </GridItem>
          <GridItem>
            <Title headingLevel="h2" size="lg" className="pal-section-title">
              Targets
            </Title>
            <TargetCards tenant={tenant.slug} scores={scores.data.targets} targets={targets.data} />
          </GridItem>
          {/* Full-width rows: these tables have five to eight columns, too many for half a page. */}
          {several && (
            <GridItem>
              <TenantsOverview />
            </GridItem>
          )}
          <GridItem>
            <RiskRanking tenant={tenant.slug} />
          </GridItem>
          <GridItem>
            <AreaScores tenant={tenant.slug} areas={scores.data.areas} />
          </GridItem>
          <GridItem>
            <RemediationCard tenant={tenant.slug} />
          </GridItem>
          <GridItem>
            <TargetFocus tenant={tenant.slug} targets={targets.data} scores={scores.data.targets} />
          </GridItem>
        </Grid>
      </>
    );
  };

  return (
    <div data-testid={testIds.dashboard.page}>
      <PageHeader
        title="Posture dashboard"
        description="Risk (open findings weighted by severity and exposure) and CSA compliance from each target's latest complete run. Every number opens what is behind it; docs/scoring.md explains both."
      />
      <PageSection>{body()}</PageSection>
    </div>
  );
}
