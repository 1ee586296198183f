import { Alert, Content, Flex, List, ListItem } from '@patternfly/react-core';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDate } from '../../lib/format';
import { testIds } from '../../testids';
import { AdvisoryFeedItem } from './AdvisoryFeedItem';
import { feedDates, summarizeFeeds, type FeedLike } from './feedFreshness';

const T = testIds.advisoryData;

/**
 * The date of the advisory data behind a result, feed by feed, with a warning when any feed is
 * missing, failed or stale: a result matched against old data is never presented as clean.
 */
export function AdvisoryFreshness({
  feeds,
  subject = 'These results',
  noFeed,
}: {
  feeds: readonly FeedLike[];
  subject?: string;
  /** What having no feed at all means here. */
  noFeed?: string;
}) {
  const summary = summarizeFeeds(feeds, noFeed);
  const { oldestLoad, newestRecord } = feedDates(feeds);
  return (
    <div data-testid={T.strip} className="pal-mb">
      {!summary.trusted && (
        <Alert
          variant="warning"
          isInline
          className="pal-mb"
          data-testid={T.warning}
          title={`Advisory data is ${summary.kind ?? 'missing or stale'}: ${subject.toLowerCase()} may miss vulnerabilities`}
        >
          <List>
            {summary.problems.map((p) => (
              <ListItem key={p}>{p}</ListItem>
            ))}
          </List>
        </Alert>
      )}
      <Content component="p" className="pal-small">
        <span className="pal-strong">Advisory data</span>{' '}
        {feeds.length === 0 ? (
          <span className="pal-muted">none</span>
        ) : (
          <span className="pal-muted">
            oldest feed loaded <RelativeTime at={oldestLoad} />, newest record {newestRecord ? formatDate(newestRecord) : 'unknown'}
          </span>
        )}
      </Content>
      <Flex gap={{ default: 'gapMd' }} flexWrap={{ default: 'wrap' }}>
        {feeds.map((f) => (
          <AdvisoryFeedItem key={f.ecosystem} feed={f} />
        ))}
      </Flex>
    </div>
  );
}
