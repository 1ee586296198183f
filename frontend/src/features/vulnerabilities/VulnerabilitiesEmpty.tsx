import { Link } from 'react-router';
import { EmptyMessage } from '../../components/EmptyMessage';
import type { FreshnessSummary } from './feedFreshness';

/**
 * What an empty page means. With missing or stale advisory data it is not a clean bill of
 * health, and says so; without filters it reminds that images never scanned are not listed.
 */
export function VulnerabilitiesEmpty({
  tenant,
  freshness,
  laterPage,
  filtered,
}: {
  tenant: string;
  freshness: FreshnessSummary;
  laterPage: boolean;
  filtered: boolean;
}) {
  if (laterPage) return <EmptyMessage title="No more vulnerabilities" />;
  if (!freshness.trusted)
    return (
      <EmptyMessage title={`No known vulnerabilities, but advisory data is ${freshness.kind ?? 'missing or stale'}`}>
        Nothing {filtered ? 'that matches these filters ' : ''}was found in the advisory data Palisade has, and that data cannot be trusted:
        see the warning above. Until every feed is loaded and current, this is not a clean result.
      </EmptyMessage>
    );
  if (filtered)
    return <EmptyMessage title="No known vulnerabilities match">Nothing matches these filters; clear them to see every one.</EmptyMessage>;
  return (
    <EmptyMessage title="No known vulnerabilities">
      No package of a scanned image matches an advisory of the current feeds. Images without an SBOM are not checked at all: an{' '}
      <Link to={`/t/${tenant}/images`}>image</Link>’s Vulnerabilities panel says whether it was scanned.
    </EmptyMessage>
  );
}
