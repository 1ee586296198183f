import { ExpandableSection } from '@patternfly/react-core';

/** A before/after snapshot (JSON text from the server): a one-line preview, the whole on demand; text only. */
export function AuditValue({ value }: { value: string }) {
  if (!value || value === 'null') return <span className="pal-muted">—</span>;
  let pretty = value;
  try {
    pretty = JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    // not JSON: show as it is
  }
  const oneLine = pretty.replace(/\s+/g, ' ');
  if (oneLine.length <= 60) return <code className="pal-break">{oneLine}</code>;
  return (
    <>
      <code className="pal-break">{oneLine.slice(0, 60)}…</code>
      <ExpandableSection toggleText="Show all" className="pal-small">
        <pre className="pal-pre">{pretty}</pre>
      </ExpandableSection>
    </>
  );
}
