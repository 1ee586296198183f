import { useState } from 'react';
import { Card, CardBody, CardTitle, Tab, Tabs, TabTitleText } from '@patternfly/react-core';
import { RankedScopes } from './RankedScopes';

/** Where the risk is across the tenant: the worst namespaces (of any target) and owners. */
export function RiskRanking({ tenant }: { tenant: string }) {
  const [tab, setTab] = useState<string | number>('owners');
  return (
    <Card isCompact>
      <CardTitle component="h2">Where the risk is, across targets</CardTitle>
      <CardBody>
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} aria-label="Rankings" mountOnEnter unmountOnExit>
          <Tab eventKey="owners" title={<TabTitleText>Owners</TabTitleText>}>
            <div className="pal-mt-sm">
              <RankedScopes tenant={tenant} kind="owner" />
            </div>
          </Tab>
          <Tab eventKey="namespaces" title={<TabTitleText>Namespaces</TabTitleText>}>
            <div className="pal-mt-sm">
              <RankedScopes tenant={tenant} kind="namespace" />
            </div>
          </Tab>
        </Tabs>
      </CardBody>
    </Card>
  );
}
