import { useState } from 'react';
import {
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Content,
  FormSelect,
  FormSelectOption,
  Tab,
  Tabs,
  TabTitleText,
} from '@patternfly/react-core';
import type { ScoreSummary, Target } from '../../api/types';
import { EmptyMessage } from '../../components/EmptyMessage';
import { QueryState } from '../../components/QueryState';
import { OpenBySeverity, RiskText, ScoreText } from '../../components/ScoreText';
import { useExplain } from './api';
import { RankedScopes } from './RankedScopes';
import { TopChecks } from './TopChecks';

/**
 * Numbers are snapshots per target, so "what is behind this" is asked of one target at a time:
 * the checks adding the most risk, and its namespaces and owners ranked.
 */
export function TargetFocus({ tenant, targets, scores }: { tenant: string; targets: Target[]; scores: ScoreSummary['targets'] }) {
  const scored = targets.filter((t) => scores.some((s) => s.target_id === t.id && s.taken_at));
  const [chosen, setChosen] = useState<number | undefined>(undefined);
  const target = chosen ?? scored[0]?.id;
  const [tab, setTab] = useState<string | number>('checks');
  const explanation = useExplain(tenant, target, 'overall', '');

  return (
    <Card isCompact>
      <CardHeader
        actions={{
          hasNoOffset: true,
          actions: (
            <FormSelect
              aria-label="Target to explain"
              value={target ?? ''}
              onChange={(_e, v) => setChosen(Number(v))}
              className="pal-select"
            >
              {scored.length === 0 ? <FormSelectOption value="" label="No scored target" isDisabled /> : null}
              {scored.map((t) => (
                <FormSelectOption key={t.id} value={t.id} label={t.name} />
              ))}
            </FormSelect>
          ),
        }}
      >
        <CardTitle component="h2">What makes up these numbers? One target at a time</CardTitle>
      </CardHeader>
      <CardBody>
        {target === undefined ? (
          <EmptyMessage title="No target has a complete, scored run yet" />
        ) : (
          <>
            <QueryState query={explanation} what="the score explanation">
              {(ex) =>
                ex === null ? (
                  <Content component="p">This target has no numbers yet.</Content>
                ) : (
                  <Content component="p">
                    Risk <RiskText risk={ex.risk} className="pal-strong" /> from {ex.open} open findings (
                    <OpenBySeverity counts={ex.open_by_severity} />
                    ), {ex.risk_without_exceptions.toFixed(1)} without approved exceptions · compliance{' '}
                    <ScoreText score={ex.compliance} className="pal-strong" /> over {ex.recommendations} recommendations ·{' '}
                    <span className="pal-muted">
                      run #{ex.run_id}, {ex.evaluated} results evaluated, {ex.failed} failed
                    </span>
                  </Content>
                )
              }
            </QueryState>
            <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} aria-label="Breakdowns" mountOnEnter unmountOnExit>
              <Tab eventKey="checks" title={<TabTitleText>Top risks</TabTitleText>}>
                <div className="pal-mt-sm">
                  {explanation.data && <TopChecks tenant={tenant} target={target} explanation={explanation.data} />}
                  <p className="pal-muted pal-small">
                    The checks whose open findings add the most risk on this target, from its latest complete run.
                  </p>
                </div>
              </Tab>
              <Tab eventKey="namespaces" title={<TabTitleText>By namespace</TabTitleText>}>
                <div className="pal-mt-sm">
                  <RankedScopes tenant={tenant} kind="namespace" target={target} limit={50} />
                </div>
              </Tab>
              <Tab eventKey="owners" title={<TabTitleText>By owner</TabTitleText>}>
                <div className="pal-mt-sm">
                  <RankedScopes tenant={tenant} kind="owner" target={target} limit={50} />
                </div>
              </Tab>
            </Tabs>
          </>
        )}
      </CardBody>
    </Card>
  );
}
