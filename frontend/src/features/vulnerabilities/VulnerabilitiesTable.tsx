import { Label } from '@patternfly/react-core';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import type { ImageVulnerability } from '../../api/types';
import { RelativeTime } from '../../components/RelativeTime';
import { testIds } from '../../testids';
import { imageHref, shortDigest } from '../images/imageFilters';
import { CvssText } from './CvssText';
import { FixedVersion } from './FixedVersion';
import { vulnRowKey, vulnerabilityHref } from './vulnFilters';
import { VulnSeverityLabel } from './VulnSeverityLabel';

const T = testIds.vulnerabilities;

function RunningIn({ count }: { count: number }) {
  if (count === 0) return <span className="pal-muted">not running</span>;
  return <>{`runs in ${count} container${count === 1 ? '' : 's'}`}</>;
}

/** One row per image, advisory and package; the server sorts them worst first. */
export function VulnerabilitiesTable({ tenant, items }: { tenant: string; items: ImageVulnerability[] }) {
  return (
    <InnerScrollContainer>
      <Table aria-label="Vulnerabilities" variant="compact" data-testid={T.table} className="pal-table">
        <Thead>
          <Tr>
            <Th modifier="fitContent">Severity</Th>
            <Th width={30}>Vulnerability</Th>
            <Th width={20}>Package</Th>
            <Th modifier="fitContent" info={{ tooltip: 'CVSS base score; the vector is on hover' }}>
              CVSS
            </Th>
            <Th width={20}>Image</Th>
            <Th modifier="fitContent" info={{ tooltip: 'Containers of cluster targets that run the image' }}>
              Runs
            </Th>
            <Th modifier="fitContent">First seen</Th>
          </Tr>
        </Thead>
        <Tbody>
          {items.map((v) => {
            const key = vulnRowKey(v);
            return (
              <Tr key={key} data-testid={T.row(key)}>
                <Td dataLabel="Severity">
                  <VulnSeverityLabel severity={v.severity} testId={T.severityLabel(key)} />
                  {v.not_affected && (
                    <div>
                      <Label
                        isCompact
                        variant="outline"
                        color="blue"
                        className="pal-mt-sm"
                        data-testid={T.notAffected(key)}
                        title="A VEX statement in force declares it not affecting this image"
                      >
                        not affected (VEX)
                      </Label>
                    </div>
                  )}
                </Td>
                <Td dataLabel="Vulnerability">
                  <Link to={vulnerabilityHref(tenant, v.advisory)} data-testid={T.advisoryLink(key)} className="pal-strong pal-break">
                    {v.advisory}
                  </Link>
                  {v.aliases.length > 0 && <div className="pal-small pal-break">{v.aliases.join(', ')}</div>}
                  {v.summary && <div className="pal-small pal-muted pal-break">{v.summary}</div>}
                </Td>
                <Td dataLabel="Package" className="pal-small">
                  <code className="pal-break">{v.package}</code>
                  <div className="pal-break">
                    <FixedVersion installed={v.installed} fixed={v.fixed} />
                  </div>
                </Td>
                <Td dataLabel="CVSS" modifier="nowrap">
                  <CvssText score={v.cvss} vector={v.cvss_vector} />
                </Td>
                <Td dataLabel="Image" className="pal-small">
                  <Link
                    to={imageHref(tenant, v.digest)}
                    data-testid={T.imageLink(key)}
                    title={`${v.registry}/${v.repository}@${v.digest}`}
                    className="pal-break"
                  >
                    <span className="pal-strong">{v.repository}</span>@<code>{shortDigest(v.digest)}</code>
                  </Link>
                  <div className="pal-muted pal-break">{v.registry}</div>
                </Td>
                <Td dataLabel="Runs" modifier="nowrap" className="pal-small">
                  <RunningIn count={v.running_in} />
                </Td>
                <Td dataLabel="First seen" modifier="nowrap" className="pal-small">
                  <RelativeTime at={v.first_seen} />
                </Td>
              </Tr>
            );
          })}
        </Tbody>
      </Table>
    </InnerScrollContainer>
  );
}
