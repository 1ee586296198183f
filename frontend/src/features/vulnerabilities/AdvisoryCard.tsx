import {
  Alert,
  Card,
  CardBody,
  CardTitle,
  Content,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  List,
  ListItem,
} from '@patternfly/react-core';
import type { ReactNode } from 'react';
import type { Advisory } from '../../api/types';
import { formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { CvssText } from './CvssText';
import { ReferenceLink } from './ReferenceLink';
import { VulnSeverityLabel } from './VulnSeverityLabel';

const T = testIds.vulnerability;

function Term({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{label}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

/** One advisory as the feed published it; its details are plain text, never HTML. */
export function AdvisoryCard({ advisory: a }: { advisory: Advisory }) {
  return (
    <Card isCompact data-testid={T.advisory(a.id)}>
      <CardTitle component="h2">
        <span className="pal-break">{a.id}</span> <VulnSeverityLabel severity={a.severity} />
      </CardTitle>
      <CardBody>
        {a.withdrawn && (
          <Alert variant="info" isInline className="pal-mb" title="Withdrawn advisory" data-testid={T.withdrawn(a.id)}>
            The feed withdrew this advisory on {formatDateTime(a.withdrawn)}: it no longer claims a vulnerability.
          </Alert>
        )}
        {a.summary && (
          <Content component="p" className="pal-strong pal-break">
            {a.summary}
          </Content>
        )}
        <DescriptionList isCompact isHorizontal columnModifier={{ default: '1Col', lg: '2Col' }}>
          <Term label="Aliases">{a.aliases.length ? a.aliases.join(', ') : <span className="pal-muted">none</span>}</Term>
          <Term label="CVSS">
            <CvssText score={a.cvss} vector={a.cvss_vector} />
            {a.cvss_vector && <code className="pal-small pal-break pal-ml">{a.cvss_vector}</code>}
          </Term>
          <Term label="Published">{formatDateTime(a.published)}</Term>
          <Term label="Modified">{formatDateTime(a.modified)}</Term>
          <Term label="Feed">{a.feed}</Term>
        </DescriptionList>
        {a.details && (
          <Content component="p" className="pal-mt pal-prewrap pal-break pal-small">
            {a.details}
          </Content>
        )}
        {a.references.length > 0 && (
          <List className="pal-mt pal-small" aria-label={`References of ${a.id}`} data-testid={T.references(a.id)}>
            {a.references.map((r) => (
              <ListItem key={r}>
                <ReferenceLink url={r} />
              </ListItem>
            ))}
          </List>
        )}
      </CardBody>
    </Card>
  );
}
