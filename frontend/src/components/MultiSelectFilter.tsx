import { useState } from 'react';
import { Badge, MenuToggle, Select, SelectList, SelectOption } from '@patternfly/react-core';

/** A dropdown of checkboxes; the toggle shows how many are chosen. */
export function MultiSelectFilter<T extends string>({
  label,
  options,
  selected,
  onChange,
  testId,
  placeholderCount,
}: {
  label: string;
  options: readonly { value: T; label: string }[];
  selected: readonly T[];
  onChange: (next: T[]) => void;
  testId: string;
  /** Shown when nothing is chosen, e.g. "open" for the server's default status. */
  placeholderCount?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <Select
      role="menu"
      isOpen={open}
      selected={selected}
      onOpenChange={setOpen}
      onSelect={(_e, value) => {
        const v = value as T;
        onChange(selected.includes(v) ? selected.filter((s) => s !== v) : [...selected, v]);
      }}
      toggle={(ref) => (
        <MenuToggle
          ref={ref}
          onClick={() => setOpen((o) => !o)}
          isExpanded={open}
          data-testid={testId}
          badge={selected.length ? <Badge isRead>{selected.length}</Badge> : undefined}
        >
          {label}
          {!selected.length && placeholderCount ? <span className="pal-muted">: {placeholderCount}</span> : null}
        </MenuToggle>
      )}
    >
      <SelectList aria-label={label}>
        {options.map((o) => (
          <SelectOption key={o.value} value={o.value} hasCheckbox isSelected={selected.includes(o.value)}>
            {o.label}
          </SelectOption>
        ))}
      </SelectList>
    </Select>
  );
}
