import { useState } from 'react';
import { Dropdown, DropdownItem, DropdownList, MenuToggle } from '@patternfly/react-core';
import UserIcon from '@patternfly/react-icons/dist/esm/icons/user-icon';
import { useSession } from '../auth/session';
import { useLogout } from '../auth/useLogout';
import { testIds } from '../testids';

export function UserMenu() {
  const session = useSession();
  const logout = useLogout();
  const [open, setOpen] = useState(false);
  const name = session.user.name || session.user.email || session.user.subject;
  return (
    <Dropdown
      isOpen={open}
      onOpenChange={setOpen}
      popperProps={{ position: 'right' }}
      toggle={(ref) => (
        <MenuToggle
          ref={ref}
          variant="plainText"
          icon={<UserIcon />}
          onClick={() => setOpen((o) => !o)}
          isExpanded={open}
          data-testid={testIds.app.userMenu}
          aria-label={`User menu for ${name}`}
        >
          <span data-testid={testIds.app.userName}>{name}</span>
        </MenuToggle>
      )}
    >
      <DropdownList>
        <DropdownItem key="who" isDisabled description={session.user.email}>
          Signed in as {name}
        </DropdownItem>
        <DropdownItem
          key="logout"
          onClick={() => logout.mutate()}
          isDisabled={logout.isPending}
          data-testid={testIds.app.logout}
          description={logout.isError ? `Sign out failed: ${logout.error.message}` : undefined}
        >
          Sign out
        </DropdownItem>
      </DropdownList>
    </Dropdown>
  );
}
