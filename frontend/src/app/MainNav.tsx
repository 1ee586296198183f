import { Nav, NavItem, NavList } from '@patternfly/react-core';
import { Link, useLocation } from 'react-router';
import { useCan, useTenant } from '../auth/permissions';
import { testIds } from '../testids';
import { NAV, tenantPath } from './navigation';

export function MainNav() {
  const tenant = useTenant();
  const can = useCan();
  const { pathname } = useLocation();
  const section = pathname.split('/')[3] ?? '';
  return (
    <Nav aria-label="Main" data-testid={testIds.app.nav}>
      <NavList>
        {NAV.filter((n) => can(n.perm)).map((n) => (
          <NavItem key={n.key} itemId={n.key} isActive={section === n.path}>
            <Link to={tenantPath(tenant.slug, n.path)} data-testid={testIds.app.navItem(n.key)}>
              {n.label}
            </Link>
          </NavItem>
        ))}
      </NavList>
    </Nav>
  );
}
