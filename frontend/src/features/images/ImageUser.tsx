import { Label } from '@patternfly/react-core';
import { runsAsRoot } from './imageFilters';

/** The image's configured user; root (including an empty user) is flagged. */
export function ImageUser({ user, testId }: { user: string; testId?: string }) {
  if (runsAsRoot(user))
    return (
      <Label isCompact color="orange" data-testid={testId} title={user ? `User ${user}` : 'No user set: runs as root'}>
        root{user && user !== 'root' ? ` (${user})` : ''}
      </Label>
    );
  return (
    <code data-testid={testId} className="pal-break">
      {user}
    </code>
  );
}
