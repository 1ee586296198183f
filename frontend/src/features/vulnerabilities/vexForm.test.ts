import { describe, expect, it } from 'vitest';
import { digestOf } from '../../test/fixtures';
import { emptyVexDraft, hasVexErrors, validateVex, vexInput, type VexDraft } from './vexForm';

const now = new Date('2026-11-22T12:00:00Z');
const valid: VexDraft = {
  scope: 'all',
  digest: '',
  component: '',
  justification: 'component_not_present',
  reason: 'xz is installed but never loaded by sshd here',
  expiry: '2027-02-20',
};

describe('the declare-not-affected form', () => {
  it('starts empty with an expiry 90 days ahead, and says what each field lacks', () => {
    const d = emptyVexDraft(now);
    expect(d.expiry).toBe('2027-02-20');
    expect(validateVex(d, now)).toEqual({
      justification: 'Choose why the image is not affected.',
      reason: 'Say why the vulnerability does not apply (at least 10 characters).',
    });
  });

  it('refuses a short reason, a past or too distant expiry and an image scope without an image', () => {
    expect(validateVex({ ...valid, reason: ' too short ' }, now).reason).toBe(
      'Too short: at least 10 characters (9 so far), so that a reviewer can check it.',
    );
    expect(validateVex({ ...valid, expiry: '2026-11-22' }, now).expiry).toBe(
      'The expiry must be in the future: 2026-11-23 at the earliest.',
    );
    expect(validateVex({ ...valid, expiry: '2027-11-23' }, now).expiry).toBe(
      'At most a year ahead (2027-11-22 at the latest): a statement must be reviewed.',
    );
    expect(validateVex({ ...valid, expiry: '2027-11-22' }, now).expiry).toBeUndefined();
    expect(validateVex({ ...valid, scope: 'image' }, now).digest).toBe('Choose the image the statement covers.');
    expect(hasVexErrors(validateVex(valid, now))).toBe(false);
  });

  it('builds the body: the digest only for one image, the package trimmed, the expiry at the end of the day', () => {
    expect(vexInput('CVE-2024-3094', valid)).toEqual({
      vulnerability: 'CVE-2024-3094',
      justification: 'component_not_present',
      reason: 'xz is installed but never loaded by sshd here',
      expires_at: '2027-02-20T23:59:59Z',
    });
    expect(vexInput('CVE-2024-3094', { ...valid, scope: 'image', digest: digestOf(4), component: ' xz-utils ' })).toMatchObject({
      digest: digestOf(4),
      component: 'xz-utils',
    });
  });
});
