import type { DriftChange } from '../../api/types';
import { testIds } from '../../testids';

const T = testIds.drift;

function Value({ value }: { value: string }) {
  return value === '' ? <span className="pal-muted">unset</span> : <code>{value}</code>;
}

/**
 * The watched fields a config_drift event is about, one per line: field, value before and
 * after ("unset" for an absent value). Values are cluster text, rendered as text only.
 */
export function DriftChanges({ eventId, changes }: { eventId: number; changes: DriftChange[] }) {
  if (changes.length === 0) {
    return null;
  }
  return (
    <ul className="pal-drift-changes" aria-label="Changed fields" data-testid={T.changes(eventId)}>
      {changes.map((c, i) => (
        <li key={`${c.field}-${i}`} data-testid={T.change(`${eventId}-${i}`)}>
          <code className="pal-strong">{c.field}</code>: <Value value={c.before} />
          <span aria-hidden="true"> → </span>
          <span className="pal-visually-hidden"> changed to </span>
          <Value value={c.after} />
        </li>
      ))}
    </ul>
  );
}
