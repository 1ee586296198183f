import { Card, CardBody, CardTitle, Content, Label, List, ListItem } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import TimesCircleIcon from '@patternfly/react-icons/dist/esm/icons/times-circle-icon';
import { Link } from 'react-router';
import type { ImageDetail } from '../../api/types';
import { useTenant } from '../../auth/permissions';
import { testIds } from '../../testids';
import { SignatureStatus } from './SignatureStatus';

const T = testIds.image;

/** The trust verdict: the rule that decided it, every signature or attestation looked at, and what went wrong. */
export function ImageTrust({ image: i }: { image: ImageDetail }) {
  const tenant = useTenant();
  return (
    <Card isCompact data-testid={T.trust}>
      <CardTitle component="h2">Trust</CardTitle>
      <CardBody>
        <Content component="p">
          <SignatureStatus image={i} />{' '}
          {i.trust_rule ? (
            <>
              under rule <strong>{i.trust_rule}</strong> of the <Link to={`/t/${tenant.slug}/trust-policy`}>trust policy</Link>
            </>
          ) : (
            <span className="pal-muted">
              no rule of the <Link to={`/t/${tenant.slug}/trust-policy`}>trust policy</Link> covers this image
            </span>
          )}
        </Content>
        {(i.trust_reasons?.length ?? 0) > 1 && (
          <List className="pal-small">
            {i.trust_reasons?.map((r, n) => (
              <ListItem key={n}>{r}</ListItem>
            ))}
          </List>
        )}
        {i.verifications.length === 0 ? (
          <Content component="p" className="pal-muted">
            No signature or attestation was found for this image.
          </Content>
        ) : (
          <Table aria-label="Signatures and attestations" variant="compact" className="pal-table">
            <Thead>
              <Tr>
                <Th>Verified</Th>
                <Th>Format</Th>
                <Th>Source</Th>
                <Th>Kind</Th>
                <Th>Identity</Th>
                <Th width={40}>Reason</Th>
              </Tr>
            </Thead>
            <Tbody>
              {i.verifications.map((v, n) => (
                <Tr key={n} data-testid={T.verification(n)}>
                  <Td dataLabel="Verified">
                    {v.verified ? (
                      <Label isCompact color="green" icon={<CheckCircleIcon />}>
                        verified
                      </Label>
                    ) : (
                      <Label isCompact color="red" icon={<TimesCircleIcon />}>
                        not verified
                      </Label>
                    )}
                  </Td>
                  <Td dataLabel="Format">{v.format}</Td>
                  <Td dataLabel="Source" className="pal-small pal-break">
                    {v.source}
                  </Td>
                  <Td dataLabel="Kind" className="pal-small">
                    {v.attestation ? (
                      <>
                        attestation
                        {v.predicate_type && (
                          <div>
                            <code className="pal-break">{v.predicate_type}</code>
                          </div>
                        )}
                      </>
                    ) : (
                      'signature'
                    )}
                  </Td>
                  <Td dataLabel="Identity" className="pal-small pal-break">
                    {v.identity || <span className="pal-muted">—</span>}
                  </Td>
                  <Td dataLabel="Reason" className="pal-small pal-break">
                    {v.reason}
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
        {i.problems.length > 0 && (
          <div data-testid={T.problems} className="pal-mt">
            <strong>Problems</strong>
            <List className="pal-small">
              {i.problems.map((p, n) => (
                <ListItem key={n} className="pal-break">
                  {p}
                </ListItem>
              ))}
            </List>
          </div>
        )}
      </CardBody>
    </Card>
  );
}
