// Whether the advisory data behind a vulnerability result can be trusted. Mirrors the server's
// image.advisory-data check (backend/checks/vulns.go): a feed not configured, never loaded or
// last loaded more than the allowed age ago makes every "no vulnerability" meaningless. A feed
// whose last attempt failed is flagged too, with its error. Stale data is never shown as clean.
import type { AdvisoryFeed } from '../../api/types';
import { formatAge, formatDateTime } from '../../lib/format';

/** checks.advisory_max_age's default, for a feed the API gives without its max_age_hours. */
export const ADVISORY_MAX_AGE_HOURS = 72;

export type FeedState = 'current' | 'stale' | 'failed' | 'never_loaded' | 'not_configured';

/** A feed as the vulnerability answers give it, or as an image names it (fewer fields). */
export type FeedLike = Pick<AdvisoryFeed, 'ecosystem' | 'configured'> &
  Partial<Pick<AdvisoryFeed, 'refreshed_at' | 'feed_date' | 'attempted_at' | 'error' | 'source' | 'records' | 'max_age_hours'>>;

export interface FeedVerdict {
  state: FeedState;
  /** What is wrong, as a sentence naming the feed; absent when current. */
  problem?: string;
}

export const FEED_STATE_LABELS: Record<FeedState, string> = {
  current: 'current',
  stale: 'stale',
  failed: 'last load failed',
  never_loaded: 'never loaded',
  not_configured: 'not configured',
};

function isOld(iso: string, now: Date, maxAgeHours: number): boolean {
  return now.getTime() - new Date(iso).getTime() > maxAgeHours * 3_600_000;
}

export function judgeFeed(f: FeedLike, now: Date = new Date()): FeedVerdict {
  const name = f.ecosystem;
  if (!f.configured) {
    return {
      state: 'not_configured',
      problem: f.refreshed_at
        ? `${name}: the feed is no longer configured on this server and has not been refreshed since ${formatDateTime(f.refreshed_at)}.`
        : `${name}: no advisory feed is configured for it, so packages of this ecosystem are not checked.`,
    };
  }
  if (!f.refreshed_at) {
    return {
      state: 'never_loaded',
      problem: `${name}: the feed was never loaded${f.error ? ` (the last attempt failed: ${f.error})` : ''}, so its packages are not checked.`,
    };
  }
  // The server says what its checks call stale (checks.advisory_max_age).
  const maxAge = f.max_age_hours ?? ADVISORY_MAX_AGE_HOURS;
  const old = isOld(f.refreshed_at, now, maxAge);
  const age = `last loaded ${formatAge(f.refreshed_at, now)} (${formatDateTime(f.refreshed_at)})`;
  if (f.error) {
    return {
      state: 'failed',
      problem: `${name}: the last load failed: ${f.error}. The data is from the load before, ${age}${old ? `, more than ${maxAge} hours ago` : ''}.`,
    };
  }
  if (old) return { state: 'stale', problem: `${name}: ${age}, more than ${maxAge} hours ago.` };
  return { state: 'current' };
}

export interface FreshnessSummary {
  problems: string[];
  /** Every feed is current, and there is at least one. */
  trusted: boolean;
  /** For the empty-list wording: data that is absent, out of date, or both. */
  kind: 'missing' | 'stale' | 'missing or stale' | null;
}

export const NO_FEED_PROBLEM = 'No advisory feed is known to this server: no package is checked for vulnerabilities.';

/** `noFeed` says what having no feed at all means where the summary is shown. */
export function summarizeFeeds(feeds: readonly FeedLike[], noFeed: string = NO_FEED_PROBLEM, now: Date = new Date()): FreshnessSummary {
  const verdicts = feeds.map((f) => judgeFeed(f, now));
  const problems = verdicts.flatMap((v) => (v.problem ? [v.problem] : []));
  if (feeds.length === 0) problems.unshift(noFeed);
  const missing = feeds.length === 0 || verdicts.some((v) => v.state === 'never_loaded' || v.state === 'not_configured');
  const stale = verdicts.some((v) => v.state === 'stale' || v.state === 'failed');
  return {
    problems,
    trusted: problems.length === 0,
    kind: missing && stale ? 'missing or stale' : missing ? 'missing' : stale ? 'stale' : null,
  };
}

/** The oldest last load among the feeds, and the newest record any of them holds. */
export function feedDates(feeds: readonly FeedLike[]): { oldestLoad: string | null; newestRecord: string | null } {
  const time = (iso: string) => new Date(iso).getTime();
  let oldestLoad: string | null = null;
  let newestRecord: string | null = null;
  for (const f of feeds) {
    if (f.refreshed_at && (!oldestLoad || time(f.refreshed_at) < time(oldestLoad))) oldestLoad = f.refreshed_at;
    if (f.feed_date && (!newestRecord || time(f.feed_date) > time(newestRecord))) newestRecord = f.feed_date;
  }
  return { oldestLoad, newestRecord };
}
