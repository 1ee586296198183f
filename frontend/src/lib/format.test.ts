import { describe, expect, it } from 'vitest';
import { endOfDayUtc, formatAge, formatBytes, formatDateTime, formatDuration, formatScore, scoreBand } from './format';

describe('formatScore', () => {
  it.each([
    [null, 'n/a'],
    [undefined, 'n/a'],
    [Number.NaN, 'n/a'],
    [0, '0.0'],
    [68.2, '68.2'],
    [100, '100.0'],
    [87.04, '87.0'],
  ])('%s -> %s', (input, want) => {
    expect(formatScore(input as number | null | undefined)).toBe(want);
  });

  it('never turns a missing score into 100', () => {
    expect(formatScore(null)).not.toBe('100');
    expect(scoreBand(null)).toBe('none');
  });
});

describe('scoreBand', () => {
  it.each([
    [95, 'good'],
    [90, 'good'],
    [75, 'fair'],
    [12, 'poor'],
    [0, 'poor'],
  ])('%s -> %s', (s, band) => expect(scoreBand(s)).toBe(band));
});

describe('formatAge', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  it.each([
    ['2026-11-22T11:59:30Z', 'just now'],
    ['2026-11-22T11:55:00Z', '5 min ago'],
    ['2026-11-22T09:00:00Z', '3 h ago'],
    ['2026-11-19T12:00:00Z', '3 d ago'],
    ['2026-11-25T12:00:00Z', 'in 3 d'],
  ])('%s -> %s', (iso, want) => expect(formatAge(iso, now)).toBe(want));
  it('says never for a missing time', () => expect(formatAge(null, now)).toBe('never'));
});

describe('dates', () => {
  it('formats in UTC', () => expect(formatDateTime('2026-11-22T19:08:17.25Z')).toBe('2026-11-22 19:08 UTC'));
  it('ends an expiry day in UTC', () => expect(endOfDayUtc('2026-12-31')).toBe('2026-12-31T23:59:59Z'));
  it('formats run durations', () => {
    expect(formatDuration('2026-11-22T19:08:17Z', null)).toBeNull();
    expect(formatDuration('2026-11-22T19:08:17Z', '2026-11-22T19:08:18.5Z')).toBe('1.5 s');
    expect(formatDuration('2026-11-22T19:08:00Z', '2026-11-22T19:10:05Z')).toBe('2 min 5 s');
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [812, '812 B'],
    [1536, '1.5 KB'],
    [3.4 * 1024 * 1024, '3.4 MB'],
    [250 * 1024 * 1024, '250 MB'],
    [1.25 * 1024 ** 3, '1.3 GB'],
    [-1, '—'],
  ])('%s -> %s', (input, want) => {
    expect(formatBytes(input)).toBe(want);
  });
});
