import { formatAge, formatDateTime } from '../lib/format';

/** "3 h ago" with the exact UTC time on hover and for assistive technology. */
export function RelativeTime({ at, never = 'never' }: { at: string | null | undefined; never?: string }) {
  if (!at) return <span className="pal-muted">{never}</span>;
  const exact = formatDateTime(at);
  return (
    <time dateTime={at} title={exact} aria-label={`${formatAge(at)} (${exact})`}>
      {formatAge(at)}
    </time>
  );
}
