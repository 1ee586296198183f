import { Alert, Content, Label, List, ListItem } from '@patternfly/react-core';
import { Link } from 'react-router';
import { testIds } from '../../testids';
import { imageHref, shortDigest } from '../images/imageFilters';
import { AffectedUsages } from './AffectedUsages';
import type { AffectedImageGroup } from './affectedImages';
import { FixedVersion } from './FixedVersion';
import { vulnerabilitiesHref } from './vulnFilters';

const T = testIds.vulnerability;

/** Every affected image of the tenant: the matching packages and the containers that run it. */
export function AffectedImages({
  tenant,
  query,
  groups,
  truncated,
  trusted,
}: {
  tenant: string;
  /** The id the page was opened with, for the full list. */
  query: string;
  groups: AffectedImageGroup[];
  truncated: boolean;
  /** Whether every advisory feed is current: without it, "none affected" is not a clean result. */
  trusted: boolean;
}) {
  return (
    <div data-testid={T.affected}>
      {truncated && (
        <Alert variant="warning" isInline className="pal-mb" title="More images are affected than listed" data-testid={T.truncated}>
          This page shows the first images only.{' '}
          <Link to={vulnerabilitiesHref(tenant, { vulnerability: query, notAffected: true })}>
            The vulnerability list filtered by {query}
          </Link>{' '}
          pages through all of them.
        </Alert>
      )}
      {groups.length === 0 ? (
        <Content component="p" className={trusted ? 'pal-muted' : 'pal-strong'}>
          {trusted
            ? 'No scanned image of this tenant has a package this advisory names.'
            : 'No scanned image of this tenant is known to be affected, but advisory data is missing or stale (see above): this is not a clean result.'}
        </Content>
      ) : (
        <List isPlain isBordered aria-label="Affected images">
          {groups.map((g) => (
            <ListItem key={g.digest} data-testid={T.affectedImage(g.digest)}>
              <div className="pal-break">
                <Link to={imageHref(tenant, g.digest)} data-testid={T.affectedImageLink(g.digest)} title={g.digest}>
                  <span className="pal-muted">{g.registry}/</span>
                  <span className="pal-strong">{g.repository}</span>@<code>{shortDigest(g.digest)}</code>
                </Link>
              </div>
              <List isPlain className="pal-small pal-mt-sm">
                {g.matches.map((m) => (
                  <ListItem key={`${m.advisory}|${m.package}`}>
                    <code>{m.package}</code> <FixedVersion installed={m.installed} fixed={m.fixed} />{' '}
                    <span className="pal-muted">({m.advisory})</span>
                    {m.not_affected && (
                      <Label isCompact variant="outline" color="blue" className="pal-ml">
                        not affected (VEX)
                      </Label>
                    )}
                  </ListItem>
                ))}
              </List>
              <div className="pal-mt-sm">
                <AffectedUsages tenant={tenant} digest={g.digest} usages={g.usages} />
              </div>
            </ListItem>
          ))}
        </List>
      )}
    </div>
  );
}
