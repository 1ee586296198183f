import { ClipboardCopy, clipboardCopyFunc } from '@patternfly/react-core';
import { shortDigest } from './imageFilters';

/** The short digest, with the full one on hover; the copy button copies the full digest. */
export function DigestText({ digest }: { digest: string }) {
  return (
    <ClipboardCopy
      variant="inline-compact"
      hoverTip="Copy the full digest"
      clickTip="Copied"
      isCode
      onCopy={(e) => clipboardCopyFunc(e, digest)}
      textAriaLabel={`Digest ${digest}`}
      title={digest}
    >
      {shortDigest(digest)}
    </ClipboardCopy>
  );
}
