// The "declare not affected" form: strings as typed, turned into a VEX statement when valid.
// The checks mirror the API (reason of 10 to 2,000 characters, expiry in the future and within
// a year) so that each field says what is wrong before the server does.
import { VEX_JUSTIFICATIONS, isOneOf } from '../../api/enums';
import type { VEXInput, VEXJustification } from '../../api/types';
import { endOfDayUtc, formatCount, isoDatePlusDays } from '../../lib/format';
import { DIGEST_RE } from '../images/imageFilters';

export const REASON_MIN = 10;
export const REASON_MAX = 2000;
/** Days ahead an expiry may be, as for exceptions: a statement must be reviewed. */
export const MAX_EXPIRY_DAYS = 365;
export const DEFAULT_EXPIRY_DAYS = 90;

export interface VexDraft {
  scope: 'all' | 'image';
  /** The image, when scope is "image". */
  digest: string;
  /** '' for any package. */
  component: string;
  justification: VEXJustification | '';
  reason: string;
  /** YYYY-MM-DD. */
  expiry: string;
}

export function emptyVexDraft(now: Date = new Date()): VexDraft {
  return { scope: 'all', digest: '', component: '', justification: '', reason: '', expiry: isoDatePlusDays(DEFAULT_EXPIRY_DAYS, now) };
}

export interface VexErrors {
  digest?: string;
  justification?: string;
  reason?: string;
  expiry?: string;
}

export function validateVex(d: VexDraft, now: Date = new Date()): VexErrors {
  const e: VexErrors = {};
  if (d.scope === 'image' && !DIGEST_RE.test(d.digest)) e.digest = 'Choose the image the statement covers.';
  if (!isOneOf(VEX_JUSTIFICATIONS, d.justification)) e.justification = 'Choose why the image is not affected.';
  const reason = d.reason.trim();
  if (reason.length === 0) e.reason = `Say why the vulnerability does not apply (at least ${REASON_MIN} characters).`;
  else if (reason.length < REASON_MIN)
    e.reason = `Too short: at least ${REASON_MIN} characters (${reason.length} so far), so that a reviewer can check it.`;
  else if (reason.length > REASON_MAX)
    e.reason = `Too long: at most ${formatCount(REASON_MAX)} characters (${formatCount(reason.length)}).`;
  const earliest = isoDatePlusDays(1, now);
  const latest = isoDatePlusDays(MAX_EXPIRY_DAYS, now);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d.expiry)) e.expiry = 'Give the date the statement expires (YYYY-MM-DD).';
  else if (d.expiry < earliest) e.expiry = `The expiry must be in the future: ${earliest} at the earliest.`;
  else if (d.expiry > latest) e.expiry = `At most a year ahead (${latest} at the latest): a statement must be reviewed.`;
  return e;
}

export function hasVexErrors(e: VexErrors): boolean {
  return Object.values(e).some(Boolean);
}

/** The request body; call only with a draft that validates. */
export function vexInput(vulnerability: string, d: VexDraft): VEXInput {
  const body: VEXInput = {
    vulnerability,
    justification: d.justification as VEXJustification,
    reason: d.reason.trim(),
    expires_at: endOfDayUtc(d.expiry),
  };
  if (d.scope === 'image') body.digest = d.digest;
  if (d.component.trim()) body.component = d.component.trim();
  return body;
}
