import {
  Breadcrumb,
  BreadcrumbItem,
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  EmptyState,
  EmptyStateBody,
  Grid,
  GridItem,
  Label,
  PageSection,
} from '@patternfly/react-core';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { isApiError } from '../../api/errors';
import type { ImageDetail } from '../../api/types';
import { useTenant } from '../../auth/permissions';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { RelativeTime } from '../../components/RelativeTime';
import { formatBytes, formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';
import { ImageVulnerabilitiesPanel } from '../vulnerabilities/ImageVulnerabilitiesPanel';
import { useImage } from './api';
import { DigestText } from './DigestText';
import { DIGEST_RE, shortDigest } from './imageFilters';
import { ImageTrust } from './ImageTrust';
import { ImageUsages } from './ImageUsages';
import { ImageUser } from './ImageUser';
import { ImageVariants } from './ImageVariants';
import { ProvenanceText, SignatureStatus } from './SignatureStatus';

const T = testIds.image;

export function ImageDetailPage() {
  const tenant = useTenant();
  const digest = useParams().digest ?? '';
  usePageTitle(`Image ${shortDigest(digest)}`, tenant.name);
  return (
    <div data-testid={T.page}>
      <PageSection className="pal-breadcrumb">
        <Breadcrumb>
          <BreadcrumbItem>
            <Link to={`/t/${tenant.slug}/images`}>Images</Link>
          </BreadcrumbItem>
          <BreadcrumbItem isActive>{shortDigest(digest)}</BreadcrumbItem>
        </Breadcrumb>
      </PageSection>
      {DIGEST_RE.test(digest) ? <ImageLoader tenant={tenant.slug} digest={digest} /> : <NoSuchImage digest={digest} />}
    </div>
  );
}

function NoSuchImage({ digest }: { digest: string }) {
  const tenant = useTenant();
  return (
    <PageSection>
      <EmptyState data-testid={T.notFound} titleText="No such image in this tenant" headingLevel="h1">
        <EmptyStateBody>
          {DIGEST_RE.test(digest) ? (
            <>
              No image with digest <code className="pal-break">{digest}</code> has been collected in {tenant.name}.
            </>
          ) : (
            <>
              <code className="pal-break">{digest}</code> is not an image digest (sha256: followed by 64 hex digits).
            </>
          )}{' '}
          <Link to={`/t/${tenant.slug}/images`}>Back to the images</Link>.
        </EmptyStateBody>
      </EmptyState>
    </PageSection>
  );
}

function ImageLoader({ tenant, digest }: { tenant: string; digest: string }) {
  const image = useImage(tenant, digest);
  if (image.isPending) return <LoadingState label="Loading the image" />;
  if (image.isError) {
    if (isApiError(image.error) && image.error.status === 404) return <NoSuchImage digest={digest} />;
    return (
      <PageSection>
        <ErrorState error={image.error} what="the image" onRetry={() => void image.refetch()} />
      </PageSection>
    );
  }
  return <ImageDetailView image={image.data} />;
}

function Term({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{label}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

function ImageDetailView({ image: i }: { image: ImageDetail }) {
  const tenant = useTenant();
  return (
    <>
      <PageHeader
        title={
          <span data-testid={T.title} className="pal-break">
            {i.registry}/{i.repository}
          </span>
        }
        description={
          <Link to={findingsHref(tenant.slug, { q: i.digest })} data-testid={T.findings}>
            Findings on this image
          </Link>
        }
      />
      <PageSection>
        <Grid hasGutter>
          <GridItem>
            <Card isCompact data-testid={T.summary}>
              <CardBody>
                <DescriptionList isCompact isHorizontal columnModifier={{ default: '1Col', lg: '2Col' }}>
                  <Term label="Digest">
                    <DigestText digest={i.digest} />
                  </Term>
                  <Term label="Tags">
                    {i.tags.length ? (
                      i.tags.map((t) => (
                        <Label key={t} isCompact variant="outline" className="pal-ml">
                          {t}
                        </Label>
                      ))
                    ) : (
                      <span className="pal-muted">untagged</span>
                    )}
                  </Term>
                  <Term label="Signature">
                    <SignatureStatus image={i} testId={T.signature} />
                  </Term>
                  <Term label="Provenance">
                    <ProvenanceText provenance={i.provenance} />
                  </Term>
                  <Term label="Platforms">{i.platforms.length ? i.platforms.join(', ') : '—'}</Term>
                  <Term label="Media type">
                    <code className="pal-small pal-break">{i.media_type}</code>
                  </Term>
                  <Term label="User">
                    <ImageUser user={i.user} />
                  </Term>
                  <Term label="Size">{formatBytes(i.size)}</Term>
                  <Term label="Created">
                    {i.created ? (
                      <>
                        {formatDateTime(i.created)} (<RelativeTime at={i.created} />)
                      </>
                    ) : (
                      <span className="pal-muted">unknown</span>
                    )}
                  </Term>
                  <Term label="Observed">
                    <RelativeTime at={i.observed_at} />
                  </Term>
                  <Term label="Running in">
                    {i.running_in} container{i.running_in === 1 ? '' : 's'}
                  </Term>
                </DescriptionList>
              </CardBody>
            </Card>
          </GridItem>
          <GridItem>
            <ImageTrust image={i} />
          </GridItem>
          <GridItem>
            <ImageVulnerabilitiesPanel tenant={tenant.slug} image={i} />
          </GridItem>
          <GridItem>
            <ImageVariants variants={i.variants} />
          </GridItem>
          <GridItem>
            <Card isCompact>
              <CardTitle component="h2">Where it runs</CardTitle>
              <CardBody>
                <ImageUsages tenant={tenant.slug} usages={i.usages} />
              </CardBody>
            </Card>
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}
