/** "1.2.3 → 1.2.4", or "1.2.3 → no fix" when no fixed version is published. */
export function FixedVersion({ installed, fixed }: { installed: string; fixed: string }) {
  return (
    <span>
      <code>{installed || '?'}</code> → {fixed ? <code className="pal-strong">{fixed}</code> : <span className="pal-muted">no fix</span>}
    </span>
  );
}
