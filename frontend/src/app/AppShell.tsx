import type { ReactNode } from 'react';
import {
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  Page,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  SkipToContent,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import BarsIcon from '@patternfly/react-icons/dist/esm/icons/bars-icon';
import { Link } from 'react-router';
import { useTenant } from '../auth/permissions';
import { testIds } from '../testids';
import { MainNav } from './MainNav';
import { tenantPath } from './navigation';
import { TenantSwitcher } from './TenantSwitcher';
import { UserMenu } from './UserMenu';

const MAIN_ID = 'main-content';

/** The logo links home (the tenant's dashboard) through the router, not a page load. */
function BrandLink({ href: _href, ...props }: React.AnchorHTMLAttributes<HTMLAnchorElement>) {
  const tenant = useTenant();
  return <Link {...props} to={tenantPath(tenant.slug)} />;
}

export function AppShell({ children }: { children: ReactNode }) {
  const masthead = (
    <Masthead data-testid={testIds.app.masthead}>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton isHamburgerButton aria-label="Show or hide the navigation">
            <BarsIcon />
          </PageToggleButton>
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo component={BrandLink}>
            <span className="pal-brand">Palisade</span>
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Toolbar isFullHeight isStatic>
          <ToolbarContent>
            <ToolbarGroup align={{ default: 'alignEnd' }} gap={{ default: 'gapMd' }}>
              <ToolbarItem>
                <TenantSwitcher />
              </ToolbarItem>
              <ToolbarItem>
                <UserMenu />
              </ToolbarItem>
            </ToolbarGroup>
          </ToolbarContent>
        </Toolbar>
      </MastheadContent>
    </Masthead>
  );
  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <MainNav />
      </PageSidebarBody>
    </PageSidebar>
  );
  return (
    <Page
      masthead={masthead}
      sidebar={sidebar}
      isManagedSidebar
      mainContainerId={MAIN_ID}
      mainAriaLabel="Content"
      skipToContent={
        <SkipToContent href={`#${MAIN_ID}`} data-testid={testIds.app.skipLink}>
          Skip to content
        </SkipToContent>
      }
    >
      <div data-testid={testIds.app.main}>{children}</div>
    </Page>
  );
}
