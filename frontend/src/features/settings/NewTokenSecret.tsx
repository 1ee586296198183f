import { Alert, AlertActionCloseButton, ClipboardCopy } from '@patternfly/react-core';
import type { NewAPIToken } from '../../api/types';
import { testIds } from '../../testids';

/** The token's secret, shown this once: the server keeps only its hash. */
export function NewTokenSecret({ token, onDismiss }: { token: NewAPIToken; onDismiss: () => void }) {
  return (
    <Alert
      variant="warning"
      isInline
      title={`Copy the secret of ${token.name} now: it will not be shown again`}
      actionClose={<AlertActionCloseButton onClose={onDismiss} aria-label="I have copied the token; hide it" />}
      className="pal-mb"
    >
      <p>
        Use it as <code>Authorization: Bearer …</code>. Anyone holding it acts as {token.role} in this tenant until it expires or is
        revoked.
      </p>
      <ClipboardCopy isReadOnly hoverTip="Copy" clickTip="Copied" textAriaLabel="New API token" data-testid={testIds.settings.tokenSecret}>
        {token.token}
      </ClipboardCopy>
    </Alert>
  );
}
