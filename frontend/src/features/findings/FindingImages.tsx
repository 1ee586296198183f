import { Card, CardBody, CardTitle, Content, List, ListItem } from '@patternfly/react-core';
import { Link } from 'react-router';
import { QueryState } from '../../components/QueryState';
import { formatDate } from '../../lib/format';
import { testIds } from '../../testids';
import { useWorkloadImages } from '../images/api';
import { imageHref, shortDigest } from '../images/imageFilters';
import { ImageUser } from '../images/ImageUser';
import { SignatureStatus } from '../images/SignatureStatus';
import { useFindingAsset } from './api';

const T = testIds.finding;

/**
 * The images the finding's workload runs, from the image facts of the tenant. Shown only
 * when the finding's asset is a workload: nothing else runs images.
 */
export function FindingImages({
  tenant,
  assetId,
  assetKey,
  targetId,
}: {
  tenant: string;
  assetId: number;
  assetKey: string;
  targetId: number;
}) {
  const asset = useFindingAsset(tenant, assetId);
  const isWorkload = asset.data?.kind === 'workload';
  const images = useWorkloadImages(tenant, assetKey, targetId, isWorkload);
  if (!isWorkload) return null;
  return (
    <Card isCompact className="pal-mt">
      <CardTitle component="h2">Images this workload runs</CardTitle>
      <CardBody data-testid={T.images}>
        <QueryState query={images} what="the workload's images">
          {(page) =>
            page.items.length === 0 ? (
              <Content component="p" className="pal-muted">
                No image facts for this workload: Palisade knows images through registry targets (see{' '}
                <Link to={`/t/${tenant}/targets`}>Targets</Link>)
              </Content>
            ) : (
              <List isPlain isBordered aria-label="Images this workload runs">
                {page.items.map((i) => (
                  <ListItem key={i.digest} data-testid={T.image(i.digest)}>
                    <div className="pal-break">
                      <Link to={imageHref(tenant, i.digest)} title={`${i.registry}/${i.repository}@${i.digest}`}>
                        <span className="pal-strong">{i.repository}</span>@<code>{shortDigest(i.digest)}</code>
                      </Link>
                    </div>
                    <div>
                      <SignatureStatus image={i} />
                    </div>
                    <div className="pal-small">
                      User <ImageUser user={i.user} /> <span className="pal-muted">· observed {formatDate(i.observed_at)}</span>
                    </div>
                  </ListItem>
                ))}
              </List>
            )
          }
        </QueryState>
      </CardBody>
    </Card>
  );
}
