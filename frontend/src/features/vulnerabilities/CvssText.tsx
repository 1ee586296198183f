/** A CVSS base score with one decimal, its vector on hover; 0 means the advisory gives none. */
export function CvssText({ score, vector }: { score: number; vector?: string }) {
  if (!score) return <span className="pal-muted">—</span>;
  return <span title={vector || undefined}>{score.toFixed(1)}</span>;
}
