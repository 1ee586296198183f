// Formatting shared by every view. A score that was never evaluated is "n/a", never 100.

/** One decimal everywhere, as the API rounds them: 68.2, 100.0, 0.0; null is "n/a". */
export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined || Number.isNaN(score)) return 'n/a';
  return score.toFixed(1);
}

/** Risk points, one decimal as the API rounds them (docs/scoring.md: weighted open findings). */
export function formatRisk(risk: number): string {
  return risk.toFixed(1);
}

export type ScoreBand = 'good' | 'fair' | 'poor' | 'none';

/** Bands for colour only; the number is always shown beside it. */
export function scoreBand(score: number | null | undefined): ScoreBand {
  if (score === null || score === undefined || Number.isNaN(score)) return 'none';
  if (score >= 90) return 'good';
  if (score >= 70) return 'fair';
  return 'poor';
}

export function formatCount(n: number): string {
  return new Intl.NumberFormat('en-US').format(n);
}

/** "2026-11-22 19:08 UTC": one unambiguous form for evidence and audit trails. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

/** "just now", "5 min ago", "3 h ago", "2 d ago"; future times read "in 3 d". */
export function formatAge(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const diff = now.getTime() - t;
  const abs = Math.abs(diff);
  const min = 60_000;
  const hour = 60 * min;
  const day = 24 * hour;
  let text: string;
  if (abs < min) return 'just now';
  if (abs < hour) text = `${Math.floor(abs / min)} min`;
  else if (abs < day) text = `${Math.floor(abs / hour)} h`;
  else text = `${Math.floor(abs / day)} d`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** Duration of a run, "1.3 s" / "2 min 5 s"; null while it is still running. */
export function formatDuration(startIso: string, endIso: string | null): string | null {
  if (!endIso) return null;
  const ms = new Date(endIso).getTime() - new Date(startIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return null;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Expiry dates: the date input gives YYYY-MM-DD; the API wants an RFC 3339 timestamp (end of that day, UTC). */
export function endOfDayUtc(date: string): string {
  return `${date}T23:59:59Z`;
}

/** YYYY-MM-DD of today plus n days, for date input defaults and minimums. */
export function isoDatePlusDays(days: number, now: Date = new Date()): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Bytes in binary units, as registries count them: "812 B", "3.4 MB", "1.2 GB" (1 MB = 1024 KB). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
