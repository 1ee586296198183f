import { Button, EmptyState, EmptyStateActions, EmptyStateBody, EmptyStateFooter } from '@patternfly/react-core';
import ExclamationCircleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon';
import LockIcon from '@patternfly/react-icons/dist/esm/icons/lock-icon';
import { isApiError } from '../api/errors';
import { testIds } from '../testids';

/** A failed load: the API's own message and the request id to quote. */
export function ErrorState({ error, what, onRetry }: { error: unknown; what: string; onRetry?: () => void }) {
  const forbidden = isApiError(error) && error.status === 403;
  const message = error instanceof Error ? error.message : String(error);
  const requestId = isApiError(error) ? error.requestId : undefined;
  return (
    <EmptyState
      data-testid={testIds.app.error}
      status={forbidden ? 'warning' : 'danger'}
      icon={forbidden ? LockIcon : ExclamationCircleIcon}
      titleText={forbidden ? `You may not view ${what}` : `Could not load ${what}`}
      headingLevel="h2"
      variant="sm"
    >
      <EmptyStateBody>
        <span data-testid={testIds.app.errorMessage}>{message}</span>
        {requestId && (
          <div className="pal-request-id">
            Request ID: <code data-testid={testIds.app.errorRequestId}>{requestId}</code>
          </div>
        )}
      </EmptyStateBody>
      {onRetry && !forbidden && (
        <EmptyStateFooter>
          <EmptyStateActions>
            <Button variant="secondary" onClick={onRetry}>
              Try again
            </Button>
          </EmptyStateActions>
        </EmptyStateFooter>
      )}
    </EmptyState>
  );
}
