import { Link } from 'react-router';
import type { Exception, Target } from '../../api/types';
import { findingsHref } from '../findings/filters';

/** What an exception covers: one finding, or a check narrowed by target, namespace and labels. */
export function ExceptionScope({ tenant, exception: e, targets }: { tenant: string; exception: Exception; targets: Target[] | undefined }) {
  if (e.finding_id) {
    return (
      <span>
        finding <Link to={`/t/${tenant}/findings/${e.finding_id}`}>#{e.finding_id}</Link>
        {e.check_id && (
          <>
            {' '}
            of <code>{e.check_id}</code>
          </>
        )}
      </span>
    );
  }
  const target = e.target_id ? (targets?.find((t) => t.id === e.target_id)?.name ?? `#${e.target_id}`) : null;
  return (
    <span>
      check{' '}
      <Link
        to={findingsHref(tenant, {
          check: [e.check_id],
          ...(e.target_id ? { target: e.target_id } : {}),
          ...(e.namespace ? { namespace: e.namespace } : {}),
        })}
      >
        <code>{e.check_id}</code>
      </Link>
      {target ? ` on ${target}` : ' on every target'}
      {e.namespace && ` in namespace ${e.namespace}`}
      {e.label_selector && (
        <>
          {' '}
          where <code>{e.label_selector}</code>
        </>
      )}
    </span>
  );
}
