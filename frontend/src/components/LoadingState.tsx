import { Bullseye, Spinner } from '@patternfly/react-core';
import { testIds } from '../testids';

export function LoadingState({ label = 'Loading' }: { label?: string }) {
  return (
    <Bullseye data-testid={testIds.app.loading} className="pal-loading">
      <Spinner size="lg" aria-label={label} />
    </Bullseye>
  );
}
