import { useState, type FormEvent } from 'react';
import {
  Button,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  SearchInput,
  TextInput,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import FilterIcon from '@patternfly/react-icons/dist/esm/icons/filter-icon';
import { FINDING_SORTS, FINDING_STATUSES, SEVERITIES, SORT_LABELS, TRIAGE_LABELS, TRIAGE_STATES, isOneOf } from '../../api/enums';
import type { Target } from '../../api/types';
import { MultiSelectFilter } from '../../components/MultiSelectFilter';
import { testIds } from '../../testids';
import { ActiveFilters } from './ActiveFilters';
import { DEFAULT_PAGE_SIZE, PAGE_SIZES, emptyFilters, hasFilters, type FindingFilters } from './filters';

const T = testIds.findings;

/** The text filters edited together in "More filters" and applied with one request. */
const TEXT_FIELDS = [
  { key: 'check', label: 'Check IDs', help: 'comma-separated, e.g. k8s.privileged', testId: T.check },
  { key: 'csa', label: 'CSA ID', help: 'area 3.1.2 or item 3.1.2.3', testId: T.csa },
  { key: 'namespace', label: 'Namespace', help: 'exact name', testId: T.namespace },
  { key: 'owner', label: 'Owner', help: 'value of the owner label', testId: T.owner },
  { key: 'label', label: 'Asset label', help: 'key=value', testId: T.label },
  { key: 'assignee', label: 'Assignee', help: 'exact name', testId: T.assignee },
] as const;
type TextField = (typeof TEXT_FIELDS)[number]['key'];

function draftOf(f: FindingFilters): Record<TextField, string> {
  return {
    check: f.check.join(', '),
    csa: f.csa ?? '',
    namespace: f.namespace ?? '',
    owner: f.owner ?? '',
    label: f.label ?? '',
    assignee: f.assignee ?? '',
  };
}

function applyDraft(f: FindingFilters, d: Record<TextField, string>): FindingFilters {
  const text = (v: string) => v.trim() || undefined;
  return {
    ...f,
    check: d.check
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    csa: text(d.csa),
    namespace: text(d.namespace),
    owner: text(d.owner),
    label: text(d.label),
    assignee: text(d.assignee),
  };
}

export function FindingsToolbar({
  filters,
  targets,
  onChange,
}: {
  filters: FindingFilters;
  targets: Target[] | undefined;
  onChange: (f: FindingFilters) => void;
}) {
  const [q, setQ] = useState(filters.q ?? '');
  const [draft, setDraft] = useState(() => draftOf(filters));
  const moreActive = TEXT_FIELDS.some((t) => draftOf(filters)[t.key] !== '');
  const [showMore, setShowMore] = useState(moreActive);
  // Filters can change from outside (chips, back button, links): follow them.
  const [seen, setSeen] = useState(filters);
  if (seen !== filters) {
    setSeen(filters);
    setQ(filters.q ?? '');
    setDraft(draftOf(filters));
  }

  const submitMore = (e: FormEvent) => {
    e.preventDefault();
    onChange(applyDraft(filters, draft));
  };

  return (
    <div data-testid={T.toolbar}>
      <Toolbar className="pal-toolbar" inset={{ default: 'insetNone' }}>
        <ToolbarContent>
          <ToolbarGroup variant="filter-group">
            <ToolbarItem>
              <SearchInput
                aria-label="Search findings by check, check title, asset key or (first 5,000 of the list) message"
                placeholder="Search findings"
                value={q}
                onChange={(_e, v) => setQ(v)}
                onSearch={(_e, v) => onChange({ ...filters, q: v.trim() || undefined })}
                onClear={() => {
                  setQ('');
                  onChange({ ...filters, q: undefined });
                }}
                data-testid={T.search}
              />
            </ToolbarItem>
            <ToolbarItem>
              <MultiSelectFilter
                label="Status"
                testId={T.status}
                placeholderCount="open"
                options={FINDING_STATUSES.map((s) => ({ value: s, label: s }))}
                selected={filters.status}
                onChange={(status) => onChange({ ...filters, status })}
              />
            </ToolbarItem>
            <ToolbarItem>
              <FormSelect
                aria-label="Minimum severity"
                value={filters.severity ?? ''}
                onChange={(_e, v) => onChange({ ...filters, severity: isOneOf(SEVERITIES, v) ? v : undefined })}
                data-testid={T.severity}
                className="pal-select"
              >
                <FormSelectOption value="" label="Any severity" />
                {SEVERITIES.map((s) => (
                  <FormSelectOption
                    key={s}
                    value={s}
                    label={s === 'critical' ? 'Critical' : `${s[0]?.toUpperCase()}${s.slice(1)} and above`}
                  />
                ))}
              </FormSelect>
            </ToolbarItem>
            <ToolbarItem>
              <MultiSelectFilter
                label="Triage"
                testId={T.triage}
                options={TRIAGE_STATES.map((s) => ({ value: s, label: TRIAGE_LABELS[s] }))}
                selected={filters.triage}
                onChange={(triage) => onChange({ ...filters, triage })}
              />
            </ToolbarItem>
            <ToolbarItem>
              <FormSelect
                aria-label="Target"
                value={filters.target ?? ''}
                onChange={(_e, v) => onChange({ ...filters, target: v ? Number(v) : undefined })}
                data-testid={T.target}
                className="pal-select"
              >
                <FormSelectOption value="" label="All targets" />
                {filters.target !== undefined && !targets?.some((t) => t.id === filters.target) ? (
                  <FormSelectOption value={filters.target} label={`Target #${filters.target}`} />
                ) : null}
                {targets?.map((t) => (
                  <FormSelectOption key={t.id} value={t.id} label={t.name} />
                ))}
              </FormSelect>
            </ToolbarItem>
            <ToolbarItem>
              <Button variant="link" icon={<FilterIcon />} onClick={() => setShowMore((s) => !s)} aria-expanded={showMore}>
                {showMore ? 'Fewer filters' : 'More filters'}
              </Button>
            </ToolbarItem>
          </ToolbarGroup>
          <ToolbarGroup align={{ default: 'alignEnd' }}>
            <ToolbarItem>
              <FormSelect
                aria-label="Sort by"
                value={filters.sort ?? 'severity'}
                onChange={(_e, v) => onChange({ ...filters, sort: isOneOf(FINDING_SORTS, v) && v !== 'severity' ? v : undefined })}
                data-testid={T.sort}
                className="pal-select"
              >
                {FINDING_SORTS.map((s) => (
                  <FormSelectOption key={s} value={s} label={`Sort: ${SORT_LABELS[s]}`} />
                ))}
              </FormSelect>
            </ToolbarItem>
            <ToolbarItem>
              <FormSelect
                aria-label="Findings per page"
                value={filters.limit ?? DEFAULT_PAGE_SIZE}
                onChange={(_e, v) => onChange({ ...filters, limit: Number(v) === DEFAULT_PAGE_SIZE ? undefined : Number(v) })}
                data-testid={T.pageSize}
                className="pal-select"
              >
                {PAGE_SIZES.map((n) => (
                  <FormSelectOption key={n} value={n} label={`${n} per page`} />
                ))}
              </FormSelect>
            </ToolbarItem>
          </ToolbarGroup>
        </ToolbarContent>
      </Toolbar>
      {showMore && (
        <Form onSubmit={submitMore} className="pal-more-filters" aria-label="More filters">
          <Grid hasGutter md={4} xl={2}>
            {TEXT_FIELDS.map((t) => (
              <GridItem key={t.key}>
                <FormGroup label={t.label} fieldId={`filter-${t.key}`}>
                  <TextInput
                    id={`filter-${t.key}`}
                    value={draft[t.key]}
                    placeholder={t.help}
                    onChange={(_e, v) => setDraft((d) => ({ ...d, [t.key]: v }))}
                    data-testid={t.testId}
                  />
                </FormGroup>
              </GridItem>
            ))}
          </Grid>
          <Button type="submit" variant="secondary" size="sm" data-testid={T.applyFilters} className="pal-apply">
            Apply filters
          </Button>
        </Form>
      )}
      <ActiveFilters filters={filters} targets={targets} onChange={onChange} />
      {hasFilters(filters) && (
        <Button
          variant="link"
          isInline
          onClick={() => onChange({ ...emptyFilters, sort: filters.sort, limit: filters.limit })}
          data-testid={T.clearFilters}
        >
          Clear all filters
        </Button>
      )}
    </div>
  );
}
