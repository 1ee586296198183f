import { Label } from '@patternfly/react-core';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import type { ImageSummary } from '../../api/types';
import { RelativeTime } from '../../components/RelativeTime';
import { formatBytes } from '../../lib/format';
import { testIds } from '../../testids';
import { DigestText } from './DigestText';
import { imageHref } from './imageFilters';
import { ImageUser } from './ImageUser';
import { ProvenanceText, SignatureStatus } from './SignatureStatus';

const T = testIds.images;

/** The tag part of "repository:tag". */
function tagOf(ref: string): string {
  const i = ref.lastIndexOf(':');
  return i >= 0 && !ref.slice(i).includes('/') ? ref.slice(i + 1) : ref;
}

export function ImagesTable({ tenant, images }: { tenant: string; images: ImageSummary[] }) {
  return (
    <InnerScrollContainer>
      <Table aria-label="Images" variant="compact" data-testid={T.table} className="pal-table">
        <Thead>
          <Tr>
            <Th>Repository</Th>
            <Th>Digest</Th>
            <Th>Tags</Th>
            <Th>Platforms</Th>
            <Th info={{ tooltip: 'Since the image was built (its config’s created time)' }}>Age</Th>
            <Th>Size</Th>
            <Th>User</Th>
            <Th width={20}>Signature</Th>
            <Th>Provenance</Th>
            <Th info={{ tooltip: 'Containers of cluster targets that run this digest' }}>Running in</Th>
            <Th>Observed</Th>
          </Tr>
        </Thead>
        <Tbody>
          {images.map((i) => (
            <Tr key={i.digest} data-testid={T.row(i.digest)}>
              <Td dataLabel="Repository">
                <Link to={imageHref(tenant, i.digest)} data-testid={T.link(i.digest)} className="pal-break">
                  <span className="pal-muted">{i.registry}/</span>
                  <span className="pal-strong">{i.repository}</span>
                </Link>
              </Td>
              <Td dataLabel="Digest" modifier="nowrap">
                <DigestText digest={i.digest} />
              </Td>
              <Td dataLabel="Tags">
                {i.tags.length === 0 ? (
                  <span className="pal-muted">untagged</span>
                ) : (
                  i.tags.map((t) => (
                    <Label key={t} isCompact variant="outline" className="pal-ml" title={t}>
                      {tagOf(t)}
                    </Label>
                  ))
                )}
              </Td>
              <Td dataLabel="Platforms" className="pal-small">
                {i.platforms.length ? i.platforms.join(', ') : <span className="pal-muted">—</span>}
              </Td>
              <Td dataLabel="Age" modifier="nowrap">
                <RelativeTime at={i.created} never="unknown" />
              </Td>
              <Td dataLabel="Size" modifier="nowrap">
                {formatBytes(i.size)}
              </Td>
              <Td dataLabel="User">
                <ImageUser user={i.user} testId={T.user(i.digest)} />
              </Td>
              <Td dataLabel="Signature">
                <SignatureStatus image={i} testId={T.signature(i.digest)} />
              </Td>
              <Td dataLabel="Provenance">
                <ProvenanceText provenance={i.provenance} />
              </Td>
              <Td dataLabel="Running in" modifier="nowrap">
                {i.running_in === 0 ? (
                  <span className="pal-muted">not running</span>
                ) : (
                  `${i.running_in} container${i.running_in === 1 ? '' : 's'}`
                )}
              </Td>
              <Td dataLabel="Observed" modifier="nowrap">
                <RelativeTime at={i.observed_at} />
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    </InnerScrollContainer>
  );
}
