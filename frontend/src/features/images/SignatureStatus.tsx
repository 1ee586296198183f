import { Label } from '@patternfly/react-core';
import type { ImageSummary } from '../../api/types';

type Verdict = Pick<ImageSummary, 'signed' | 'signed_by' | 'trust_reasons' | 'trust_rule'>;

/** The words of a signature verdict: trusted and by whom, untrusted and the first reason, or not judged. */
export function signatureText(i: Verdict): string {
  if (i.signed === undefined) return i.trust_reasons?.[0] ? `Not judged: ${i.trust_reasons[0]}` : 'Not judged';
  if (i.signed) return i.signed_by ? `Trusted: signed by ${i.signed_by}` : 'Trusted';
  return i.trust_reasons?.[0] ? `Untrusted: ${i.trust_reasons[0]}` : 'Untrusted';
}

/** The verdict under the trust policy, with the rule that decided it on hover. */
export function SignatureStatus({ image, testId }: { image: Verdict; testId?: string }) {
  const color = image.signed === undefined ? 'grey' : image.signed ? 'green' : 'red';
  const more = (image.trust_reasons?.length ?? 0) > 1 ? ` (+${(image.trust_reasons?.length ?? 1) - 1} more)` : '';
  return (
    <span data-testid={testId}>
      <Label isCompact color={color} title={image.trust_rule ? `Rule: ${image.trust_rule}` : 'No trust rule covers this image'}>
        <span className="pal-break">{signatureText(image)}</span>
      </Label>
      {more && <span className="pal-small pal-muted">{more}</span>}
    </span>
  );
}

export function ProvenanceText({ provenance }: { provenance: boolean | undefined }) {
  if (provenance === undefined) return <span className="pal-muted">not judged</span>;
  return provenance ? <span>verified</span> : <span className="pal-muted">none</span>;
}
