import { Label, LabelGroup } from '@patternfly/react-core';
import type { Target } from '../../api/types';
import { testIds } from '../../testids';
import { shortDigest } from '../images/imageFilters';
import type { VulnFilters } from './vulnFilters';

interface Chip {
  key: string;
  text: string;
  remove: (f: VulnFilters) => VulnFilters;
}

/** One removable chip per active filter, so the list says what it shows. */
export function vulnChips(f: VulnFilters, targets: Target[] | undefined): Chip[] {
  const chips: Chip[] = [];
  if (f.severity) chips.push({ key: 'severity', text: `severity ≥ ${f.severity}`, remove: (x) => ({ ...x, severity: undefined }) });
  if (f.fixable !== undefined)
    chips.push({ key: 'fixable', text: f.fixable ? 'fix available' : 'no fix published', remove: (x) => ({ ...x, fixable: undefined }) });
  if (f.vulnerability)
    chips.push({ key: 'vulnerability', text: `vulnerability: ${f.vulnerability}`, remove: (x) => ({ ...x, vulnerability: undefined }) });
  if (f.package) chips.push({ key: 'package', text: `package: ${f.package}`, remove: (x) => ({ ...x, package: undefined }) });
  if (f.image) chips.push({ key: 'image', text: `image: ${shortDigest(f.image)}`, remove: (x) => ({ ...x, image: undefined }) });
  if (f.namespace) chips.push({ key: 'namespace', text: `namespace: ${f.namespace}`, remove: (x) => ({ ...x, namespace: undefined }) });
  if (f.workload) chips.push({ key: 'workload', text: `workload: ${f.workload}`, remove: (x) => ({ ...x, workload: undefined }) });
  if (f.target) {
    const name = targets?.find((t) => t.id === f.target)?.name ?? `#${f.target}`;
    chips.push({ key: 'target', text: `runs on: ${name}`, remove: (x) => ({ ...x, target: undefined }) });
  }
  if (f.notAffected)
    chips.push({ key: 'not_affected', text: 'not affected (VEX) included', remove: (x) => ({ ...x, notAffected: undefined }) });
  return chips;
}

export function ActiveVulnFilters({
  filters,
  targets,
  onChange,
}: {
  filters: VulnFilters;
  targets: Target[] | undefined;
  onChange: (f: VulnFilters) => void;
}) {
  const chips = vulnChips(filters, targets);
  if (chips.length === 0) return null;
  return (
    <LabelGroup categoryName="Showing" numLabels={12} className="pal-chips" aria-label="Active filters">
      {chips.map((c) => (
        <Label
          key={c.key}
          isCompact
          onClose={() => onChange(c.remove(filters))}
          closeBtnAriaLabel={`Remove filter ${c.text}`}
          data-testid={testIds.vulnerabilities.activeFilter(c.key)}
        >
          {c.text}
        </Label>
      ))}
    </LabelGroup>
  );
}
