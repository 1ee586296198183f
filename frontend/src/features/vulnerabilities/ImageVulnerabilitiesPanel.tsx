import { Card, CardBody, CardTitle, Content } from '@patternfly/react-core';
import type { ImageDetail } from '../../api/types';
import { testIds } from '../../testids';
import { AdvisoryFreshness } from './AdvisoryFreshness';
import { summarizeFeeds } from './feedFreshness';
import { ImageVulnCounts } from './ImageVulnCounts';
import { SbomSummary } from './SbomSummary';

const T = testIds.image;
const NO_IMAGE_FEED = 'No advisory feed covers this image’s packages: none of them is checked.';

export function sbomHref(tenant: string, digest: string): string {
  return `/api/v1/tenants/${encodeURIComponent(tenant)}/images/${encodeURIComponent(digest)}/sbom`;
}

/**
 * The image's Vulnerabilities panel: its SBOM (or that it was never scanned), the counts by
 * severity, the SBOM download and the freshness of the advisory feeds its packages need.
 */
export function ImageVulnerabilitiesPanel({ tenant, image: i }: { tenant: string; image: ImageDetail }) {
  const feeds = i.advisory_feeds ?? [];
  return (
    <Card isCompact data-testid={T.vulnerabilities}>
      <CardTitle component="h2">Vulnerabilities</CardTitle>
      <CardBody>
        {i.sbom === undefined ? (
          <Content component="p" className="pal-muted" data-testid={T.vulnerabilitiesUnavailable}>
            Vulnerabilities are not available from this server (it matches no advisory database).
          </Content>
        ) : i.sbom === null ? (
          <Content component="p" data-testid={T.neverScanned}>
            <span className="pal-strong">Never scanned:</span> Palisade has no SBOM for this image, so its vulnerabilities are unknown, not
            zero. An SBOM comes from an attestation attached to the image, from an upload by CI (an API token with <code>sbom.write</code>),
            or from Palisade reading the image’s layers when a registry target collects it.
          </Content>
        ) : (
          <>
            <SbomSummary sbom={i.sbom} downloadHref={sbomHref(tenant, i.digest)} />
            {i.vulnerabilities && (
              <ImageVulnCounts
                tenant={tenant}
                digest={i.digest}
                counts={i.vulnerabilities}
                packages={i.sbom.components}
                partial={i.sbom.problems.length > 0}
                freshness={summarizeFeeds(feeds, NO_IMAGE_FEED)}
              />
            )}
          </>
        )}
        {i.sbom !== undefined && i.advisory_feeds && (
          <div className="pal-mt">
            <AdvisoryFreshness feeds={feeds} subject="This image's counts" noFeed={NO_IMAGE_FEED} />
          </div>
        )}
      </CardBody>
    </Card>
  );
}
