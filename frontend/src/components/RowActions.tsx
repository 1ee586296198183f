import { Button } from '@patternfly/react-core';

/** Edit, Enable/Disable and Delete of one row of a list (targets, channels, rules); the caller shows it only to roles that may change the row. */
export function RowActions({
  name,
  enabled,
  testIds,
  togglePending = false,
  onEdit,
  onToggle,
  onDelete,
}: {
  name: string;
  enabled: boolean;
  testIds: { edit: string; toggle: string; remove: string };
  togglePending?: boolean;
  onEdit: () => void;
  onToggle: () => void;
  onDelete: () => void;
}) {
  return (
    <>
      <Button variant="secondary" size="sm" onClick={onEdit} aria-label={`Edit: ${name}`} data-testid={testIds.edit}>
        Edit
      </Button>
      <Button
        variant="secondary"
        size="sm"
        onClick={onToggle}
        isLoading={togglePending}
        isDisabled={togglePending}
        aria-label={`${enabled ? 'Disable' : 'Enable'}: ${name}`}
        data-testid={testIds.toggle}
      >
        {enabled ? 'Disable' : 'Enable'}
      </Button>
      <Button variant="link" isDanger size="sm" onClick={onDelete} aria-label={`Delete: ${name}`} data-testid={testIds.remove}>
        Delete
      </Button>
    </>
  );
}
