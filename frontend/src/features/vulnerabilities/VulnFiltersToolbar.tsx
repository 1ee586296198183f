import { useState, type FormEvent } from 'react';
import {
  Button,
  Checkbox,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  HelperText,
  HelperTextItem,
  TextInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { VULN_SEVERITIES, VULN_SEVERITY_LABELS, isOneOf } from '../../api/enums';
import type { Target } from '../../api/types';
import { testIds } from '../../testids';
import { digestProblem, vulnerabilityIdProblem, type VulnFilters } from './vulnFilters';

const T = testIds.vulnerabilities;

/** The text filters, edited together and applied with one request. */
const TEXT_FIELDS = [
  {
    key: 'vulnerability',
    label: 'Vulnerability or CVE id',
    help: 'e.g. CVE-2024-3094',
    testId: T.vulnerability,
    check: vulnerabilityIdProblem,
  },
  { key: 'package', label: 'Package', help: 'its name in the image, e.g. openssl', testId: T.package, check: undefined },
  { key: 'image', label: 'Image digest', help: 'sha256:…', testId: T.image, check: digestProblem },
  { key: 'namespace', label: 'Namespace', help: 'exact name', testId: T.namespace, check: undefined },
  { key: 'workload', label: 'Workload', help: 'asset key, e.g. apps/Deployment/shop/web', testId: T.workload, check: undefined },
] as const;
type TextField = (typeof TEXT_FIELDS)[number]['key'];

function draftOf(f: VulnFilters): Record<TextField, string> {
  return {
    vulnerability: f.vulnerability ?? '',
    package: f.package ?? '',
    image: f.image ?? '',
    namespace: f.namespace ?? '',
    workload: f.workload ?? '',
  };
}

function severityOptionLabel(s: (typeof VULN_SEVERITIES)[number]): string {
  if (s === 'critical') return 'Critical only';
  return `${VULN_SEVERITY_LABELS[s]} and above`;
}

export function VulnFiltersToolbar({
  filters,
  targets,
  onChange,
}: {
  filters: VulnFilters;
  targets: Target[] | undefined;
  onChange: (f: VulnFilters) => void;
}) {
  const [draft, setDraft] = useState(() => draftOf(filters));
  const [attempted, setAttempted] = useState(false);
  // Filters can change from outside (chips, back button, links): follow them.
  const [seen, setSeen] = useState(filters);
  if (seen !== filters) {
    setSeen(filters);
    setDraft(draftOf(filters));
    setAttempted(false);
  }
  const errors = Object.fromEntries(TEXT_FIELDS.map((t) => [t.key, t.check?.(draft[t.key])])) as Record<TextField, string | undefined>;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAttempted(true);
    if (Object.values(errors).some(Boolean)) return;
    const text = (v: string) => v.trim() || undefined;
    onChange({
      ...filters,
      vulnerability: text(draft.vulnerability),
      package: text(draft.package),
      image: text(draft.image),
      namespace: text(draft.namespace),
      workload: text(draft.workload),
    });
  };

  return (
    <>
      <Toolbar className="pal-toolbar" inset={{ default: 'insetNone' }}>
        <ToolbarContent>
          <ToolbarItem>
            <FormSelect
              aria-label="Minimum severity"
              value={filters.severity ?? ''}
              onChange={(_e, v) => onChange({ ...filters, severity: isOneOf(VULN_SEVERITIES, v) && v !== 'unknown' ? v : undefined })}
              data-testid={T.severity}
              className="pal-select"
            >
              <FormSelectOption value="" label="Any severity" />
              {VULN_SEVERITIES.filter((s) => s !== 'unknown').map((s) => (
                <FormSelectOption key={s} value={s} label={severityOptionLabel(s)} />
              ))}
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem>
            <FormSelect
              aria-label="Fix available"
              value={filters.fixable === undefined ? '' : String(filters.fixable)}
              onChange={(_e, v) => onChange({ ...filters, fixable: v === '' ? undefined : v === 'true' })}
              data-testid={T.fixable}
              className="pal-select"
            >
              <FormSelectOption value="" label="With or without a fix" />
              <FormSelectOption value="true" label="Fix available" />
              <FormSelectOption value="false" label="No fix published" />
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem>
            <FormSelect
              aria-label="Target"
              value={filters.target ?? ''}
              onChange={(_e, v) => onChange({ ...filters, target: v ? Number(v) : undefined })}
              data-testid={T.target}
              className="pal-select"
            >
              <FormSelectOption value="" label="Running anywhere or nowhere" />
              {filters.target !== undefined && !targets?.some((t) => t.id === filters.target) ? (
                <FormSelectOption value={filters.target} label={`Runs on target #${filters.target}`} />
              ) : null}
              {targets
                ?.filter((t) => t.kind === 'cluster')
                .map((t) => (
                  <FormSelectOption key={t.id} value={t.id} label={`Runs on ${t.name}`} />
                ))}
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem alignSelf="center">
            <Checkbox
              id="vuln-include-not-affected"
              label="Include not affected (VEX)"
              isChecked={filters.notAffected ?? false}
              onChange={(_e, on) => onChange({ ...filters, notAffected: on || undefined })}
              data-testid={T.includeNotAffected}
            />
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <Form onSubmit={submit} className="pal-more-filters" aria-label="Text filters">
        <Grid hasGutter md={4} xl={2}>
          {TEXT_FIELDS.map((t) => {
            const error = attempted ? errors[t.key] : undefined;
            return (
              <GridItem key={t.key}>
                <FormGroup label={t.label} fieldId={`vuln-filter-${t.key}`}>
                  <TextInput
                    id={`vuln-filter-${t.key}`}
                    value={draft[t.key]}
                    placeholder={t.help}
                    validated={error ? 'error' : 'default'}
                    onChange={(_e, v) => setDraft((d) => ({ ...d, [t.key]: v }))}
                    data-testid={t.testId}
                  />
                  {error && (
                    <FormHelperText>
                      <HelperText>
                        <HelperTextItem variant="error" data-testid={T.filterError(t.key)}>
                          {error}
                        </HelperTextItem>
                      </HelperText>
                    </FormHelperText>
                  )}
                </FormGroup>
              </GridItem>
            );
          })}
          <GridItem className="pal-align-end">
            <Button type="submit" variant="secondary" size="sm" data-testid={T.applyFilters}>
              Apply filters
            </Button>
          </GridItem>
        </Grid>
      </Form>
    </>
  );
}
