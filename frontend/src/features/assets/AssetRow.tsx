import { Label } from '@patternfly/react-core';
import { Link } from 'react-router';
import type { Asset } from '../../api/types';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';

/**
 * open_findings counts the findings on this asset itself (not its children): the free-text
 * search on its key lists exactly those. A namespace also links to everything inside it.
 */
export function assetFindingsHref(tenant: string, a: Asset): string {
  return findingsHref(tenant, { q: a.key, target: a.target_id });
}

export function AssetRow({ tenant, asset: a }: { tenant: string; asset: Asset }) {
  return (
    <span className="pal-asset-row">
      <Label isCompact variant="outline" className="pal-kind">
        {a.kind}
      </Label>
      <span className="pal-strong">{a.name}</span>
      {a.namespace && a.kind !== 'namespace' && <span className="pal-muted pal-small">ns {a.namespace}</span>}
      <code className="pal-muted pal-small pal-break">{a.key}</code>
      {a.open_findings > 0 ? (
        <Link to={assetFindingsHref(tenant, a)} data-testid={testIds.assets.findings(a.id)} className="pal-small">
          {a.open_findings} open finding{a.open_findings === 1 ? '' : 's'} on it
        </Link>
      ) : (
        <span className="pal-muted pal-small" data-testid={testIds.assets.findings(a.id)}>
          no open findings on it
        </span>
      )}
      {a.kind === 'namespace' && (
        <Link to={findingsHref(tenant, { namespace: a.name, target: a.target_id })} className="pal-small">
          all findings in this namespace
        </Link>
      )}
    </span>
  );
}
