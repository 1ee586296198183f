import type { AlertKind, AlertRuleInput, ChannelInput, ChannelKind, Severity } from '../../api/types';

export interface SettingField {
  key: string;
  label: string;
  help?: string;
  required?: boolean;
  type?: 'text' | 'url' | 'number' | 'email';
  /** A value must match when given (checked here; the server checks again). */
  pattern?: RegExp;
  placeholder?: string;
}

/**
 * The plain settings of each kind (api/openapi.yaml: webhook url; email host, port, from, to, username;
 * ticket-sync url, project_key, issue_type).
 */
export const CHANNEL_SETTINGS: Record<ChannelKind, SettingField[]> = {
  webhook: [
    {
      key: 'url',
      label: 'URL',
      type: 'url',
      required: true,
      help: 'https (http only for a loopback host); receives a signed JSON POST per event or digest.',
    },
  ],
  slack: [],
  email: [
    { key: 'host', label: 'SMTP host', required: true },
    { key: 'port', label: 'SMTP port', type: 'number', help: 'Usually 587 (STARTTLS).' },
    { key: 'from', label: 'From', type: 'email', required: true },
    { key: 'to', label: 'To', required: true, help: 'Comma-separated addresses.' },
    { key: 'username', label: 'SMTP username' },
  ],
  'ticket-sync': [
    {
      key: 'url',
      label: 'URL',
      type: 'url',
      required: true,
      help: 'https (http only for a loopback host): a Jira automation incoming webhook or a bridge. Every ticket change is posted as signed, Jira-shaped JSON, in order per ticket.',
    },
    {
      key: 'project_key',
      label: 'Jira project key',
      placeholder: 'PAL',
      pattern: /^[A-Z][A-Z0-9_]{1,9}$/,
      help: 'Optional, default PAL: 2-10 capital letters, digits or _, starting with a letter.',
    },
    { key: 'issue_type', label: 'Issue type', placeholder: 'Bug', help: 'Optional, default Bug.' },
  ],
};

/** The secret means something different per kind; it is sealed on the server and never shown again. */
export const SECRET_LABELS: Record<ChannelKind, { label: string; help: string; required: boolean; minLength?: number }> = {
  webhook: {
    label: 'Signing secret',
    help: 'At least 16 characters (32 random bytes recommended); signs each request body (HMAC-SHA256).',
    required: true,
    minLength: 16,
  },
  slack: { label: 'Slack webhook URL', help: 'The incoming-webhook URL; it is the credential, so it is stored sealed.', required: true },
  email: { label: 'SMTP password', help: 'Optional; used with the SMTP username.', required: false },
  'ticket-sync': {
    label: 'Signing secret',
    help: 'At least 16 characters (32 random bytes recommended); signs each request body (HMAC-SHA256), like a webhook.',
    required: true,
    minLength: 16,
  },
};

/** Whether a setting's value is acceptable: empty only when optional, and matching its pattern. */
export function settingValid(f: SettingField, value: string | undefined): boolean {
  const v = (value ?? '').trim();
  if (!v) return !f.required;
  return !f.pattern || f.pattern.test(v);
}

/** Only the kind's own settings, trimmed, empty ones left out; the secret only when given. */
export function channelInput(name: string, kind: ChannelKind, values: Record<string, string>, secret: string): ChannelInput {
  const settings: Record<string, string> = {};
  for (const f of CHANNEL_SETTINGS[kind]) {
    const v = (values[f.key] ?? '').trim();
    if (v) settings[f.key] = v;
  }
  const body: ChannelInput = { name: name.trim(), kind };
  if (Object.keys(settings).length) body.settings = settings;
  if (secret) body.secret = secret;
  return body;
}

export function channelFormValid(name: string, kind: ChannelKind, values: Record<string, string>, secret: string): boolean {
  if (!name.trim()) return false;
  const s = SECRET_LABELS[kind];
  if (s.required && !secret) return false;
  if (secret && s.minLength && new TextEncoder().encode(secret).length < s.minLength) return false;
  return CHANNEL_SETTINGS[kind].every((f) => settingValid(f, values[f.key]));
}

export function alertRuleInput(
  name: string,
  minSeverity: Severity,
  kinds: readonly AlertKind[],
  channelId: number,
  digest: boolean,
): AlertRuleInput {
  const body: AlertRuleInput = { name: name.trim(), min_severity: minSeverity, channel_id: channelId, digest };
  if (kinds.length) body.kinds = [...kinds];
  return body;
}
