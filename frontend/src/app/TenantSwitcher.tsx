import { useState } from 'react';
import { Label, MenuToggle, Select, SelectList, SelectOption } from '@patternfly/react-core';
import { useLocation, useNavigate } from 'react-router';
import { useTenant } from '../auth/permissions';
import { useSession } from '../auth/session';
import { testIds } from '../testids';
import { switchTenantPath } from './navigation';

export function TenantSwitcher() {
  const session = useSession();
  const tenant = useTenant();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const [open, setOpen] = useState(false);
  return (
    <Select
      isOpen={open}
      selected={tenant.slug}
      onOpenChange={setOpen}
      onSelect={(_e, value) => {
        setOpen(false);
        if (typeof value === 'string' && value !== tenant.slug) navigate(switchTenantPath(pathname, value));
      }}
      toggle={(ref) => (
        <MenuToggle
          ref={ref}
          onClick={() => setOpen((o) => !o)}
          isExpanded={open}
          data-testid={testIds.app.tenantSwitcher}
          aria-label={`${tenant.name} ${tenant.role}: switch tenant`}
        >
          {tenant.name}{' '}
          <Label isCompact color="blue" data-testid={testIds.app.userRole}>
            {tenant.role}
          </Label>
        </MenuToggle>
      )}
    >
      <SelectList aria-label="Tenants">
        {session.tenants.map((t) => (
          <SelectOption key={t.slug} value={t.slug} description={`role: ${t.role}`} data-testid={testIds.app.tenantOption(t.slug)}>
            {t.name}
          </SelectOption>
        ))}
      </SelectList>
    </Select>
  );
}
