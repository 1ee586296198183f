import { useState } from 'react';
import { Button } from '@patternfly/react-core';
import { Link } from 'react-router';
import { findingsHref } from '../findings/filters';

const SHOWN = 3;

/** The checks behind a recommendation, each linking to its findings; long lists fold. */
export function CheckLinks({ tenant, checks }: { tenant: string; checks: string[] }) {
  const [all, setAll] = useState(false);
  if (checks.length === 0) return <span className="pal-muted">none</span>;
  const shown = all ? checks : checks.slice(0, SHOWN);
  return (
    <span className="pal-checklist">
      {shown.map((c) => (
        <Link key={c} to={findingsHref(tenant, { check: [c] })} className="pal-nowrap">
          <code>{c}</code>
        </Link>
      ))}
      {checks.length > SHOWN && (
        <Button variant="link" isInline size="sm" onClick={() => setAll((a) => !a)} aria-expanded={all}>
          {all ? 'fewer' : `+${checks.length - SHOWN} more`}
        </Button>
      )}
    </span>
  );
}
