import { Button, Flex, FlexItem } from '@patternfly/react-core';
import AngleLeftIcon from '@patternfly/react-icons/dist/esm/icons/angle-left-icon';
import AngleRightIcon from '@patternfly/react-icons/dist/esm/icons/angle-right-icon';

/** Previous/Next for keyset pages; there is no total, so no "of N". */
export function PagerControls({
  page,
  shown,
  hasPrevious,
  hasNext,
  isFetching,
  onPrevious,
  onNext,
  testIds,
  noun,
}: {
  page: number;
  shown: number;
  hasPrevious: boolean;
  hasNext: boolean;
  isFetching: boolean;
  onPrevious: () => void;
  onNext: () => void;
  testIds: { prev: string; next: string; page: string };
  noun: string;
}) {
  return (
    <Flex alignItems={{ default: 'alignItemsCenter' }} gap={{ default: 'gapSm' }} className="pal-pager">
      <FlexItem data-testid={testIds.page} aria-live="polite">
        Page {page} · {shown} {noun}
        {hasNext ? ' · more follow' : ''}
      </FlexItem>
      <FlexItem>
        <Button
          variant="secondary"
          size="sm"
          icon={<AngleLeftIcon />}
          onClick={onPrevious}
          isDisabled={!hasPrevious || isFetching}
          data-testid={testIds.prev}
        >
          Previous
        </Button>
      </FlexItem>
      <FlexItem>
        <Button
          variant="secondary"
          size="sm"
          icon={<AngleRightIcon />}
          iconPosition="end"
          onClick={onNext}
          isDisabled={!hasNext || isFetching}
          isLoading={isFetching && hasNext}
          data-testid={testIds.next}
        >
          Next
        </Button>
      </FlexItem>
    </Flex>
  );
}
