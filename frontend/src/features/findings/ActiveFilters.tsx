import { Label, LabelGroup } from '@patternfly/react-core';
import { TRIAGE_LABELS } from '../../api/enums';
import type { Target } from '../../api/types';
import { testIds } from '../../testids';
import type { FindingFilters } from './filters';

interface Chip {
  key: string;
  text: string;
  remove: (f: FindingFilters) => FindingFilters;
}

/** One removable chip per active filter, so the list says what it shows. */
export function chipsFor(f: FindingFilters, targets: Target[] | undefined): Chip[] {
  const chips: Chip[] = [];
  if (f.status.length) chips.push({ key: 'status', text: `status: ${f.status.join(', ')}`, remove: (x) => ({ ...x, status: [] }) });
  if (f.severity) chips.push({ key: 'severity', text: `severity ≥ ${f.severity}`, remove: (x) => ({ ...x, severity: undefined }) });
  if (f.triage.length)
    chips.push({
      key: 'triage',
      text: `triage: ${f.triage.map((t) => TRIAGE_LABELS[t]).join(', ')}`,
      remove: (x) => ({ ...x, triage: [] }),
    });
  for (const c of f.check)
    chips.push({ key: `check-${c}`, text: `check: ${c}`, remove: (x) => ({ ...x, check: x.check.filter((y) => y !== c) }) });
  if (f.csa) chips.push({ key: 'csa', text: `CSA: ${f.csa}`, remove: (x) => ({ ...x, csa: undefined }) });
  if (f.target) {
    const name = targets?.find((t) => t.id === f.target)?.name ?? `#${f.target}`;
    chips.push({ key: 'target', text: `target: ${name}`, remove: (x) => ({ ...x, target: undefined }) });
  }
  if (f.namespace) chips.push({ key: 'namespace', text: `namespace: ${f.namespace}`, remove: (x) => ({ ...x, namespace: undefined }) });
  if (f.owner) chips.push({ key: 'owner', text: `owner: ${f.owner}`, remove: (x) => ({ ...x, owner: undefined }) });
  if (f.label) chips.push({ key: 'label', text: `label: ${f.label}`, remove: (x) => ({ ...x, label: undefined }) });
  if (f.assignee) chips.push({ key: 'assignee', text: `assignee: ${f.assignee}`, remove: (x) => ({ ...x, assignee: undefined }) });
  if (f.q) chips.push({ key: 'q', text: `text: “${f.q}”`, remove: (x) => ({ ...x, q: undefined }) });
  return chips;
}

export function ActiveFilters({
  filters,
  targets,
  onChange,
}: {
  filters: FindingFilters;
  targets: Target[] | undefined;
  onChange: (f: FindingFilters) => void;
}) {
  const chips = chipsFor(filters, targets);
  return (
    <LabelGroup categoryName="Showing" numLabels={12} className="pal-chips" aria-label="Active filters">
      {filters.status.length === 0 && (
        <Label isCompact variant="outline">
          status: open (default)
        </Label>
      )}
      {chips.map((c) => (
        <Label
          key={c.key}
          isCompact
          onClose={() => onChange(c.remove(filters))}
          closeBtnAriaLabel={`Remove filter ${c.text}`}
          data-testid={testIds.findings.activeFilter(c.key)}
        >
          {c.text}
        </Label>
      ))}
    </LabelGroup>
  );
}
