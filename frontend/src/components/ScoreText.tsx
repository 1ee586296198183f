import type { SeverityCounts } from '../api/types';
import { formatCount, formatRisk, formatScore, scoreBand } from '../lib/format';

/** A compliance with its band colour; null reads "n/a" with a reason, never 100. */
export function ScoreText({ score, className = '' }: { score: number | null | undefined; className?: string }) {
  const band = scoreBand(score);
  return (
    <span
      className={`pal-score pal-score--${band} ${className}`.trim()}
      title={band === 'none' ? 'Not evaluated: no recommendation in scope has evidence' : undefined}
    >
      {formatScore(score)}
    </span>
  );
}

/** Risk points (weighted open findings): 0 is the only good value, so only that is green. */
export function RiskText({ risk, className = '' }: { risk: number; className?: string }) {
  return <span className={`pal-score pal-score--${risk === 0 ? 'good' : 'poor'} ${className}`.trim()}>{formatRisk(risk)}</span>;
}

/** "1,232 evaluated, 276 failed": the results behind a scope. */
export function ScoreDenominator({ evaluated, failed }: { evaluated: number; failed: number }) {
  return (
    <span className="pal-muted">
      {formatCount(evaluated)} evaluated, {formatCount(failed)} failed
    </span>
  );
}

const ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;

/** "1 critical · 2 high": the open findings behind a risk, worst first, zeros left out. */
export function OpenBySeverity({ counts }: { counts: SeverityCounts }) {
  const parts = ORDER.filter((s) => counts[s] > 0).map((s) => `${formatCount(counts[s])} ${s}`);
  return <span className="pal-muted">{parts.length ? parts.join(' · ') : 'none open'}</span>;
}
