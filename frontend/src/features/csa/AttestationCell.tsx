import type { Attestation } from '../../api/types';
import { formatDate } from '../../lib/format';

/** Who attested what until when; an invalid one says why it no longer counts. */
export function AttestationCell({ attestation: a }: { attestation: Attestation | null }) {
  if (!a) return <span className="pal-muted">none</span>;
  const why = a.revoked_at
    ? `revoked ${formatDate(a.revoked_at)}`
    : a.valid
      ? `until ${formatDate(a.expires_at)}`
      : `expired ${formatDate(a.expires_at)}`;
  return (
    <div className="pal-small">
      <span className={a.valid ? 'pal-strong' : 'pal-muted'}>{why}</span> · {a.owner}
      <div className="pal-muted pal-break" title={a.statement}>
        {a.statement.length > 120 ? `${a.statement.slice(0, 120)}…` : a.statement}
      </div>
      {/^https?:\/\//i.test(a.evidence_url) && (
        <a href={a.evidence_url} target="_blank" rel="noopener noreferrer">
          evidence
        </a>
      )}
    </div>
  );
}
