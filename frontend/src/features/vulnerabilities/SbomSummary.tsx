import {
  Alert,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Label,
  List,
  ListItem,
} from '@patternfly/react-core';
import DownloadIcon from '@patternfly/react-icons/dist/esm/icons/download-icon';
import type { ReactNode } from 'react';
import type { SBOMInfo, SBOMSource } from '../../api/types';
import { RelativeTime } from '../../components/RelativeTime';
import { formatCount, formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';

const T = testIds.image;

/** Where an SBOM came from, in words: how much it can be trusted depends on it. */
export const SBOM_SOURCE_TEXT: Record<SBOMSource, { label: string; words: string }> = {
  attestation: {
    label: 'Attested',
    words: 'an SBOM attached to the image as an in-toto attestation by whoever built it; it lists what the build put in.',
  },
  upload: {
    label: 'Uploaded',
    words: 'sent to Palisade through the API, usually by a CI pipeline with an API token; it replaces an extracted SBOM.',
  },
  extractor: {
    label: 'Extracted',
    words:
      'Palisade read the package databases in the image’s layers itself; vendored or statically linked code that no package database names is not seen.',
  },
};

function Term({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{label}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

/** The image's SBOM: source, format, origin, when it was read, its packages and what could not be read. */
export function SbomSummary({ sbom: s, downloadHref }: { sbom: SBOMInfo; downloadHref: string }) {
  const source = SBOM_SOURCE_TEXT[s.source];
  const partial = s.problems.length > 0;
  return (
    <div data-testid={T.sbom}>
      {partial && (
        <Alert variant="warning" isInline className="pal-mb" title="Partial SBOM" data-testid={T.sbomPartial}>
          Some parts of the image could not be read, so vulnerabilities in them are unknown:
          <List data-testid={T.sbomProblems}>
            {s.problems.map((p) => (
              <ListItem key={p}>{p}</ListItem>
            ))}
          </List>
        </Alert>
      )}
      <DescriptionList isCompact isHorizontal columnModifier={{ default: '1Col', lg: '2Col' }}>
        <Term label="SBOM source">
          <span data-testid={T.sbomSource}>
            <Label isCompact variant="outline">
              {source.label}
            </Label>{' '}
            <span className="pal-small">{source.words}</span>
          </span>
        </Term>
        <Term label="Format">
          {s.format}
          {s.tool && <span className="pal-muted"> · made by {s.tool}</span>}
        </Term>
        <Term label="Origin">
          <span className="pal-small pal-break">{s.origin}</span>
        </Term>
        <Term label="Read">
          <RelativeTime at={s.observed_at} />
          {s.created_at && <span className="pal-muted pal-small"> · document made {formatDateTime(s.created_at)}</span>}
        </Term>
        <Term label="Packages">
          {formatCount(s.components)}
          {partial && (
            <Label isCompact color="orange" className="pal-ml">
              partial
            </Label>
          )}
          {s.distro && <span className="pal-muted"> · {s.distro}</span>}
        </Term>
        <Term label="Download">
          <a href={downloadHref} download data-testid={T.sbomDownload}>
            <DownloadIcon /> Download SBOM (CycloneDX)
          </a>
        </Term>
      </DescriptionList>
    </div>
  );
}
