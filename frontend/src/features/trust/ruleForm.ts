// The trust rule form: strings as typed, turned into a TrustRule when valid. The checks mirror
// backend/imagetrust/policy.go so that each field says what is wrong before the server does;
// the server still checks everything (a PEM that does not parse, RE2 syntax).
import type { TrustPolicy, TrustRule } from '../../api/types';
import { endOfDayUtc } from '../../lib/format';

export interface KeyDraft {
  name: string;
  pem: string;
  /** YYYY-MM-DD or ''. */
  expiry: string;
  /** The stored notAfter, kept as is while the date is unchanged. */
  original?: string;
}

export interface IdentityDraft {
  issuer: string;
  subjectPattern: string;
}

export interface RuleDraft {
  name: string;
  /** One pattern per line. */
  images: string;
  keys: KeyDraft[];
  identities: IdentityDraft[];
  requireProvenance: boolean;
}

export const emptyRule: RuleDraft = { name: '', images: '', keys: [], identities: [], requireProvenance: false };
export const emptyKey: KeyDraft = { name: '', pem: '', expiry: '' };
export const emptyIdentity: IdentityDraft = { issuer: '', subjectPattern: '' };

export function ruleToDraft(r: TrustRule): RuleDraft {
  return {
    name: r.name,
    images: r.images.join('\n'),
    keys: (r.keys ?? []).map((k) => ({
      name: k.name,
      pem: k.pem,
      expiry: k.notAfter ? k.notAfter.slice(0, 10) : '',
      original: k.notAfter,
    })),
    identities: (r.identities ?? []).map((i) => ({ issuer: i.issuer, subjectPattern: i.subjectPattern })),
    requireProvenance: r.requireProvenance ?? false,
  };
}

export function imagePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export function draftToRule(d: RuleDraft): TrustRule {
  const rule: TrustRule = { name: d.name.trim(), images: imagePatterns(d.images) };
  if (d.keys.length)
    rule.keys = d.keys.map((k) => {
      const key: NonNullable<TrustRule['keys']>[number] = { name: k.name.trim(), pem: k.pem.trim() + '\n' };
      if (k.expiry) key.notAfter = k.original && k.original.slice(0, 10) === k.expiry ? k.original : endOfDayUtc(k.expiry);
      return key;
    });
  if (d.identities.length)
    rule.identities = d.identities.map((i) => ({ issuer: i.issuer.trim(), subjectPattern: i.subjectPattern.trim() }));
  if (d.requireProvenance) rule.requireProvenance = true;
  return rule;
}

export interface RuleErrors {
  name?: string;
  images?: string;
  trusts?: string;
  keys: { name?: string; pem?: string; expiry?: string }[];
  identities: { issuer?: string; subjectPattern?: string }[];
}

/** A path.Match pattern is malformed when a [ class is not closed or a \ ends it. */
function badPattern(p: string): string | undefined {
  if (/\\$/.test(p)) return 'ends with a \\';
  let open = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[' && !open) open = true;
    else if (c === ']' && open) open = false;
  }
  return open ? 'has a [ without a closing ]' : undefined;
}

const PEM_RE = /^-----BEGIN PUBLIC KEY-----\s+[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----$/;

/** What is wrong with each field; otherNames are the names of the policy's other rules. */
export function validateRule(d: RuleDraft, otherNames: readonly string[]): RuleErrors {
  const e: RuleErrors = { keys: [], identities: [] };
  const name = d.name.trim();
  if (!name) e.name = 'Give the rule a name.';
  else if (otherNames.includes(name)) e.name = `Another rule is already named “${name}”.`;
  else if (name.length > 200) e.name = 'At most 200 characters.';
  const patterns = imagePatterns(d.images);
  if (patterns.length === 0) e.images = 'Give at least one image pattern, such as registry.example.com/team/*.';
  else if (patterns.length > 100) e.images = 'At most 100 patterns.';
  else {
    for (const p of patterns) {
      const bad = badPattern(p);
      if (bad) {
        e.images = `Pattern “${p}” ${bad}.`;
        break;
      }
    }
  }
  if (d.keys.length === 0 && d.identities.length === 0) e.trusts = 'The rule trusts nobody: add a key or a keyless identity.';
  const keyNames = new Set<string>();
  d.keys.forEach((k, i) => {
    const ke: RuleErrors['keys'][number] = {};
    const kn = k.name.trim();
    if (!kn) ke.name = 'Give the key a name.';
    else if (keyNames.has(kn)) ke.name = `Key “${kn}” is listed twice.`;
    keyNames.add(kn);
    const pem = k.pem.trim();
    if (!pem) ke.pem = 'Paste the public key (PEM).';
    else if (!PEM_RE.test(pem))
      ke.pem = pem.includes('PRIVATE KEY')
        ? 'This is a private key: paste the public key only.'
        : 'Not a PEM public key: it must start with -----BEGIN PUBLIC KEY----- and end with -----END PUBLIC KEY-----.';
    if (k.expiry && !/^\d{4}-\d{2}-\d{2}$/.test(k.expiry)) ke.expiry = 'Use a date (YYYY-MM-DD).';
    e.keys[i] = ke;
  });
  d.identities.forEach((id, i) => {
    const ie: RuleErrors['identities'][number] = {};
    if (!id.issuer.trim()) ie.issuer = 'Give the OIDC issuer, such as https://token.actions.githubusercontent.com.';
    const sp = id.subjectPattern.trim();
    if (!sp) ie.subjectPattern = 'Give a regular expression for the certificate subject.';
    else {
      try {
        new RegExp(sp);
      } catch (err) {
        ie.subjectPattern = `Not a regular expression: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    e.identities[i] = ie;
  });
  return e;
}

/** Every message of a rule's errors, in form order. */
export function ruleErrorList(e: RuleErrors): string[] {
  const out: string[] = [];
  if (e.name) out.push(`Name: ${e.name}`);
  if (e.images) out.push(`Images: ${e.images}`);
  if (e.trusts) out.push(e.trusts);
  e.keys.forEach((k, i) => {
    for (const m of [k.name, k.pem, k.expiry]) if (m) out.push(`Key ${i + 1}: ${m}`);
  });
  e.identities.forEach((id, i) => {
    for (const m of [id.issuer, id.subjectPattern]) if (m) out.push(`Identity ${i + 1}: ${m}`);
  });
  return out;
}

/** The trusted root text: '' (none), or a JSON object. */
export function parseTrustedRoot(text: string): { ok: true; value: object | undefined } | { ok: false; error: string } {
  const t = text.trim();
  if (!t) return { ok: true, value: undefined };
  try {
    const v: unknown = JSON.parse(t);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'A trusted root is a JSON object ({…}).' };
    return { ok: true, value: v };
  } catch (err) {
    return { ok: false, error: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Problems of the whole policy that no single rule field shows. */
export function policyProblems(rules: readonly TrustRule[], trustedRoot: ReturnType<typeof parseTrustedRoot>): string[] {
  const out: string[] = [];
  if (!trustedRoot.ok) out.push(`Trusted root: ${trustedRoot.error}`);
  else if (!trustedRoot.value)
    for (const r of rules)
      if (r.identities?.length)
        out.push(`Rule “${r.name}” trusts keyless identities: paste a Sigstore trusted root below to verify their certificates.`);
  return out;
}

export function buildPolicy(rules: TrustRule[], trustedRoot: object | undefined): TrustPolicy {
  const policy: TrustPolicy = { rules };
  // The schema types trustedRoot as an empty object; any JSON object is accepted.
  if (trustedRoot) policy.trustedRoot = trustedRoot as TrustPolicy['trustedRoot'];
  return policy;
}
