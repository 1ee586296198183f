import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { EmptyMessage } from '../../components/EmptyMessage';
import { testIds } from '../../testids';

/**
 * Evidence is data from the scanned cluster: it may hold anything, including markup. It is
 * rendered as text only (React escapes it); never as HTML.
 */
export function FindingEvidence({ evidence }: { evidence: Record<string, string> }) {
  const entries = Object.entries(evidence).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <EmptyMessage title="No evidence recorded" />;
  return (
    <Table aria-label="Evidence" variant="compact" data-testid={testIds.finding.evidence}>
      <Thead>
        <Tr>
          <Th width={25}>Key</Th>
          <Th>Value</Th>
        </Tr>
      </Thead>
      <Tbody>
        {entries.map(([k, v]) => (
          <Tr key={k} data-testid={testIds.finding.evidenceRow(k)}>
            <Td dataLabel="Key">
              <code>{k}</code>
            </Td>
            <Td dataLabel="Value" className="pal-prewrap pal-break">
              <code>{v}</code>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
