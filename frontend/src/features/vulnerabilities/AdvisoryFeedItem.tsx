import { FlexItem, Label } from '@patternfly/react-core';
import { RelativeTime } from '../../components/RelativeTime';
import { formatCount, formatDate } from '../../lib/format';
import { testIds } from '../../testids';
import { FEED_STATE_LABELS, judgeFeed, type FeedLike, type FeedState } from './feedFreshness';

const T = testIds.advisoryData;

const stateColors: Record<FeedState, 'green' | 'orange' | 'red' | 'grey'> = {
  current: 'green',
  stale: 'orange',
  failed: 'red',
  never_loaded: 'red',
  not_configured: 'grey',
};

/** One feed: its state, when it was last loaded and the date of its newest record; the source and size on hover. */
export function AdvisoryFeedItem({ feed: f }: { feed: FeedLike }) {
  const verdict = judgeFeed(f);
  const where = [f.source && `from ${f.source}`, f.records !== undefined && `${formatCount(f.records)} records`].filter(Boolean).join(', ');
  return (
    <FlexItem data-testid={T.feed(f.ecosystem)} className="pal-small" title={verdict.problem ?? where}>
      <span className="pal-strong">{f.ecosystem}</span>{' '}
      <Label
        isCompact
        color={stateColors[verdict.state]}
        variant={verdict.state === 'not_configured' ? 'outline' : 'filled'}
        data-testid={T.feedStatus(f.ecosystem)}
      >
        {FEED_STATE_LABELS[verdict.state]}
      </Label>{' '}
      <span className="pal-muted">
        loaded <RelativeTime at={f.refreshed_at} />, newest record {f.feed_date ? formatDate(f.feed_date) : 'unknown'}
      </span>
    </FlexItem>
  );
}
