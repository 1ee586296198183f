import { Alert } from '@patternfly/react-core';
import { isApiError } from '../api/errors';
import { testIds } from '../testids';

/** A failed action, shown where it was attempted; 403 says so plainly. */
export function InlineError({ error, title }: { error: unknown; title: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const forbidden = isApiError(error) && error.status === 403;
  const requestId = isApiError(error) ? error.requestId : undefined;
  return (
    <Alert
      data-testid={testIds.app.mutationError}
      variant={forbidden ? 'warning' : 'danger'}
      isInline
      title={forbidden ? `${title}: not permitted` : title}
    >
      {message}
      {requestId && (
        <div className="pal-request-id">
          Request ID: <code>{requestId}</code>
        </div>
      )}
    </Alert>
  );
}
