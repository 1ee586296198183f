import { Content, Flex, FlexItem } from '@patternfly/react-core';
import { Link } from 'react-router';
import { VULN_SEVERITIES } from '../../api/enums';
import type { VulnerabilityCounts } from '../../api/types';
import { formatCount } from '../../lib/format';
import { testIds } from '../../testids';
import type { FreshnessSummary } from './feedFreshness';
import { vulnerabilitiesHref } from './vulnFilters';
import { VulnSeverityLabel } from './VulnSeverityLabel';

const T = testIds.image;

function fixableOf(c: VulnerabilityCounts, s: (typeof VULN_SEVERITIES)[number]): number | undefined {
  if (s === 'critical') return c.fixable_critical;
  if (s === 'high') return c.fixable_high;
  return undefined;
}

/** The image's known vulnerabilities by severity, with what a fix exists for, and links to the list. */
export function ImageVulnCounts({
  tenant,
  digest,
  counts: c,
  packages,
  partial,
  freshness,
}: {
  tenant: string;
  digest: string;
  counts: VulnerabilityCounts;
  packages: number;
  partial: boolean;
  freshness: FreshnessSummary;
}) {
  const total = c.critical + c.high + c.medium + c.low + c.unknown;
  const fixable = c.fixable_critical + c.fixable_high;
  let summary: string;
  if (packages === 0) summary = 'The SBOM lists no package: nothing was checked.';
  else if (total > 0)
    summary = `${formatCount(total)} known vulnerabilit${total === 1 ? 'y' : 'ies'}; a fix exists for ${formatCount(fixable)} of the critical and high ones.`;
  else if (!freshness.trusted)
    summary = `No known vulnerabilities, but advisory data is ${freshness.kind ?? 'missing or stale'}: this is not a clean result.`;
  else summary = `No known vulnerabilities in its ${formatCount(packages)} packages${partial ? ' (of a partial SBOM)' : ''}.`;
  return (
    <div className="pal-mt">
      <Content component="p" data-testid={T.vulnSummary} className={total === 0 && freshness.trusted ? undefined : 'pal-strong'}>
        {summary}
      </Content>
      <Flex gap={{ default: 'gapLg' }} flexWrap={{ default: 'wrap' }}>
        {VULN_SEVERITIES.map((s) => {
          const fix = fixableOf(c, s);
          return (
            <FlexItem key={s} data-testid={T.vulnCount(s)}>
              <VulnSeverityLabel severity={s} /> <span className="pal-strong">{formatCount(c[s])}</span>
              {fix !== undefined && <span className="pal-muted pal-small"> ({formatCount(fix)} fixable)</span>}
            </FlexItem>
          );
        })}
        <FlexItem data-testid={T.vulnCount('not_affected')} className="pal-small">
          not affected (VEX) <span className="pal-strong">{formatCount(c.not_affected)}</span>
        </FlexItem>
      </Flex>
      <Content component="p" className="pal-small pal-mt-sm">
        <Link to={vulnerabilitiesHref(tenant, { image: digest })} data-testid={T.vulnLink}>
          List this image’s vulnerabilities
        </Link>
        {' · '}
        <Link to={vulnerabilitiesHref(tenant, { image: digest, fixable: true })} data-testid={T.fixableLink}>
          only those with a fix
        </Link>
      </Content>
    </div>
  );
}
