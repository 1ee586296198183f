import { useState } from 'react';
import { Button, Form, FormGroup, InputGroup, InputGroupItem, TextInput } from '@patternfly/react-core';
import { Link } from 'react-router';
import { ErrorState } from '../../components/ErrorState';
import { OpenBySeverity, RiskText, ScoreText } from '../../components/ScoreText';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';
import { useExplain } from './api';

const T = testIds.dashboard;

/**
 * Scores are kept per owner, but the API cannot list the owners it has scored (there is no
 * "list scopes" endpoint), so the owner is typed in rather than listed.
 */
export function OwnerLookup({ tenant, target }: { tenant: string; target: number }) {
  const [draft, setDraft] = useState('');
  const [owner, setOwner] = useState('');
  const result = useExplain(tenant, target, 'owner', owner);
  return (
    <div data-testid={T.owners}>
      <p className="pal-muted pal-small">
        Owner scores come from the owner label of each workload. Palisade cannot list the owners yet; enter one to see its score on this
        target.
      </p>
      <Form
        onSubmit={(e) => {
          e.preventDefault();
          setOwner(draft.trim());
        }}
      >
        <FormGroup label="Owner label value" fieldId="owner-lookup">
          <InputGroup>
            <InputGroupItem isFill>
              <TextInput
                id="owner-lookup"
                value={draft}
                placeholder="e.g. team-shop"
                onChange={(_e, v) => setDraft(v)}
                data-testid={T.ownerInput}
              />
            </InputGroupItem>
            <InputGroupItem>
              <Button type="submit" variant="control" data-testid={T.ownerSubmit} isDisabled={!draft.trim()}>
                Show score
              </Button>
            </InputGroupItem>
          </InputGroup>
        </FormGroup>
      </Form>
      {owner && (
        <div className="pal-mt-sm" data-testid={T.ownerResult} aria-live="polite">
          {result.isPending ? (
            'Loading…'
          ) : result.isError ? (
            <ErrorState error={result.error} what={`the score of ${owner}`} />
          ) : result.data === null ? (
            <span>
              No score for owner <strong>{owner}</strong> on this target: no workload carries that owner.
            </span>
          ) : (
            <span>
              <strong>{owner}</strong>: risk <RiskText risk={result.data.risk} className="pal-strong" /> from {result.data.open} open
              findings (
              <OpenBySeverity counts={result.data.open_by_severity} />) · compliance <ScoreText score={result.data.compliance} /> ·{' '}
              <Link to={findingsHref(tenant, { owner, target })}>open findings</Link>
            </span>
          )}
        </div>
      )}
    </div>
  );
}
