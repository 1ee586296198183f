import { describe, expect, it } from 'vitest';
import { advisoryFeed } from '../../test/fixtures';
import { feedDates, judgeFeed, summarizeFeeds } from './feedFreshness';

const now = new Date('2026-11-22T12:00:00Z');
const hoursBefore = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();

describe('advisory feed freshness', () => {
  it('calls a feed loaded within 72 hours current and an older one stale', () => {
    expect(judgeFeed(advisoryFeed('Debian', { refreshed_at: hoursBefore(71) }), now)).toEqual({ state: 'current' });
    const stale = judgeFeed(advisoryFeed('Debian', { refreshed_at: hoursBefore(73) }), now);
    expect(stale.state).toBe('stale');
    expect(stale.problem).toContain('Debian: last loaded 3 d ago (2026-11-19 11:00 UTC), more than 72 hours ago');
  });

  it('names never-loaded, failed and unconfigured feeds with the reason', () => {
    expect(judgeFeed(advisoryFeed('Go', { refreshed_at: null, error: 'dial tcp: timeout' }), now)).toEqual({
      state: 'never_loaded',
      problem: 'Go: the feed was never loaded (the last attempt failed: dial tcp: timeout), so its packages are not checked.',
    });
    const failed = judgeFeed(advisoryFeed('Alpine', { refreshed_at: hoursBefore(5), error: 'HTTP 503' }), now);
    expect(failed.state).toBe('failed');
    expect(failed.problem).toContain('Alpine: the last load failed: HTTP 503');
    expect(judgeFeed({ ecosystem: 'npm', configured: false }, now).problem).toBe(
      'npm: no advisory feed is configured for it, so packages of this ecosystem are not checked.',
    );
  });

  it('summarizes: trusted only when every feed is current, and says whether data is missing or stale', () => {
    expect(summarizeFeeds([advisoryFeed('Debian', { refreshed_at: hoursBefore(1) })], undefined, now)).toEqual({
      problems: [],
      trusted: true,
      kind: null,
    });
    expect(summarizeFeeds([], undefined, now)).toMatchObject({ trusted: false, kind: 'missing' });
    expect(summarizeFeeds([advisoryFeed('Debian', { refreshed_at: hoursBefore(100) })], undefined, now).kind).toBe('stale');
    const both = summarizeFeeds(
      [advisoryFeed('Debian', { refreshed_at: hoursBefore(100) }), advisoryFeed('Go', { refreshed_at: null })],
      undefined,
      now,
    );
    expect(both.kind).toBe('missing or stale');
    expect(both.problems).toHaveLength(2);
  });

  it('finds the oldest load and the newest record', () => {
    const feeds = [
      advisoryFeed('Debian', { refreshed_at: '2026-11-22T10:00:00.5Z', feed_date: '2026-11-21T00:00:00Z' }),
      advisoryFeed('Alpine', { refreshed_at: '2026-11-22T10:00:00Z', feed_date: '2026-11-22T01:00:00Z' }),
    ];
    expect(feedDates(feeds)).toEqual({ oldestLoad: '2026-11-22T10:00:00Z', newestRecord: '2026-11-22T01:00:00Z' });
  });
});

describe('the server decides what is stale', () => {
  it('uses the max_age_hours the API gives (checks.advisory_max_age)', () => {
    const now = new Date();
    const tenHoursAgo = new Date(now.getTime() - 10 * 3_600_000).toISOString();
    expect(judgeFeed({ ecosystem: 'Debian', configured: true, refreshed_at: tenHoursAgo, max_age_hours: 6 }, now).state).toBe('stale');
    expect(judgeFeed({ ecosystem: 'Debian', configured: true, refreshed_at: tenHoursAgo, max_age_hours: 24 }, now).state).toBe('current');
  });
});
