import { formatCount, formatScore, scoreBand } from '../lib/format';

/** A score with its band colour; null reads "n/a" with a reason, never 100. */
export function ScoreText({ score, className = '' }: { score: number | null | undefined; className?: string }) {
  const band = scoreBand(score);
  return (
    <span
      className={`pal-score pal-score--${band} ${className}`.trim()}
      title={band === 'none' ? 'Not evaluated: no check result in scope' : undefined}
    >
      {formatScore(score)}
    </span>
  );
}

/** "1,232 evaluated, 276 failed": the denominator behind every score. */
export function ScoreDenominator({ evaluated, failed }: { evaluated: number; failed: number }) {
  return (
    <span className="pal-muted">
      {formatCount(evaluated)} evaluated, {formatCount(failed)} failed
    </span>
  );
}
