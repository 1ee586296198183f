import { Card, CardBody, CardTitle, Label, List, ListItem } from '@patternfly/react-core';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { ImageVariant } from '../../api/types';
import { RelativeTime } from '../../components/RelativeTime';
import { formatBytes } from '../../lib/format';
import { testIds } from '../../testids';
import { ImageUser } from './ImageUser';
import { shortDigest } from './imageFilters';

const T = testIds.image;

/** Environment variable names; those whose value looked like a secret are marked (values are never stored). */
function EnvNames({ variant: v }: { variant: ImageVariant }) {
  const names = [...new Set([...v.env_names, ...v.secret_env])];
  if (names.length === 0) return <span className="pal-muted">none</span>;
  return (
    <List isPlain className="pal-small">
      {names.map((n) => (
        <ListItem key={n}>
          <code className="pal-break">{n}</code>
          {v.secret_env.includes(n) && (
            <Label isCompact color="red" className="pal-ml" data-testid={T.secretEnv(`${v.digest}-${n}`)}>
              secret-looking value (redacted)
            </Label>
          )}
        </ListItem>
      ))}
    </List>
  );
}

function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return <span className="pal-muted">none</span>;
  return (
    <List isPlain className="pal-small">
      {entries.map(([k, v]) => (
        <ListItem key={k} className="pal-break">
          <code>{k}</code>={v}
        </ListItem>
      ))}
    </List>
  );
}

/** One row per platform of the image (one row for a single-platform image). */
export function ImageVariants({ variants }: { variants: ImageVariant[] }) {
  return (
    <Card isCompact data-testid={T.variants}>
      <CardTitle component="h2">Variants</CardTitle>
      <CardBody>
        {variants.length === 0 ? (
          <span className="pal-muted">No platform variant was inspected.</span>
        ) : (
          <InnerScrollContainer>
            <Table aria-label="Variants" variant="compact" className="pal-table">
              <Thead>
                <Tr>
                  <Th>Platform</Th>
                  <Th>User</Th>
                  <Th>Ports</Th>
                  <Th width={20}>Environment</Th>
                  <Th width={20}>Labels</Th>
                  <Th>Shell, package managers</Th>
                  <Th>Base image</Th>
                  <Th>Layers</Th>
                  <Th>Size</Th>
                  <Th>Created</Th>
                </Tr>
              </Thead>
              <Tbody>
                {variants.map((v) => (
                  <Tr key={v.digest} data-testid={T.variant(v.digest)}>
                    <Td dataLabel="Platform">
                      {v.platform || <span className="pal-muted">—</span>}
                      <div className="pal-small pal-muted" title={v.digest}>
                        {shortDigest(v.digest)}
                      </div>
                    </Td>
                    <Td dataLabel="User">
                      <ImageUser user={v.user} />
                    </Td>
                    <Td dataLabel="Ports" className="pal-small">
                      {v.exposed_ports.length ? v.exposed_ports.join(', ') : <span className="pal-muted">none</span>}
                    </Td>
                    <Td dataLabel="Environment">
                      <EnvNames variant={v} />
                    </Td>
                    <Td dataLabel="Labels">
                      <Labels labels={v.labels} />
                    </Td>
                    <Td dataLabel="Shell, package managers" className="pal-small">
                      {v.shell ? <code>{v.shell}</code> : <span className="pal-muted">no shell</span>}
                      <div>
                        {v.package_managers.length ? v.package_managers.join(', ') : <span className="pal-muted">no package manager</span>}
                      </div>
                    </Td>
                    <Td dataLabel="Base image" className="pal-small pal-break">
                      {v.base_image || <span className="pal-muted">unknown</span>}
                    </Td>
                    <Td dataLabel="Layers">{v.layers}</Td>
                    <Td dataLabel="Size" modifier="nowrap">
                      {formatBytes(v.size)}
                    </Td>
                    <Td dataLabel="Created" modifier="nowrap">
                      <RelativeTime at={v.created} never="unknown" />
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          </InnerScrollContainer>
        )}
      </CardBody>
    </Card>
  );
}
