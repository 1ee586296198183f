import type { AlertKind, AlertRule, AlertRuleInput, Channel, ChannelInput, ChannelKind, Severity } from '../../api/types';
import type { AlertRulePatch, ChannelPatch } from './api';

export interface SettingField {
  key: string;
  label: string;
  help?: string;
  required?: boolean;
  type?: 'text' | 'url' | 'number' | 'email';
  /** A value must match when given (checked here; the server checks again). */
  pattern?: RegExp;
  placeholder?: string;
  /** The server shows it as scheme and host only, so an edit cannot start from it: left empty, it is kept. */
  writeOnly?: boolean;
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
      writeOnly: true,
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
      writeOnly: true,
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

/** Whether the form may be sent. Editing, the stored secret and write-only settings left empty are kept. */
export function channelFormValid(
  name: string,
  kind: ChannelKind,
  values: Record<string, string>,
  secret: string,
  editing = false,
): boolean {
  if (!name.trim()) return false;
  const s = SECRET_LABELS[kind];
  if (s.required && !secret && !editing) return false;
  if (secret && s.minLength && new TextEncoder().encode(secret).length < s.minLength) return false;
  return CHANNEL_SETTINGS[kind].every((f) => (editing && f.writeOnly && !values[f.key]?.trim()) || settingValid(f, values[f.key]));
}

/** The form's starting values for editing a channel: its settings, except the write-only ones. */
export function channelFormValues(channel: Channel): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of CHANNEL_SETTINGS[channel.kind]) {
    const v = channel.settings[f.key];
    if (!f.writeOnly && v !== undefined) values[f.key] = v;
  }
  return values;
}

/**
 * What an edit changes: the name if changed, each setting that differs ("" removes it on the server; a write-only
 * one only when typed), the secret only when given. Empty when nothing changed.
 */
export function channelPatch(channel: Channel, name: string, values: Record<string, string>, secret: string): ChannelPatch {
  const patch: ChannelPatch = {};
  if (name.trim() !== channel.name) patch.name = name.trim();
  const settings: Record<string, string> = {};
  for (const f of CHANNEL_SETTINGS[channel.kind]) {
    const v = (values[f.key] ?? '').trim();
    if (f.writeOnly ? v !== '' : v !== (channel.settings[f.key] ?? '')) settings[f.key] = v;
  }
  if (Object.keys(settings).length) patch.settings = settings;
  if (secret) patch.secret = secret;
  return patch;
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

/** The fields of an edited rule that differ from the rule (those the form shows); empty when nothing changed. */
export function alertRulePatch(rule: AlertRule, input: AlertRuleInput): AlertRulePatch {
  const patch: AlertRulePatch = {};
  if (input.name !== rule.name) patch.name = input.name;
  if (input.min_severity && input.min_severity !== rule.min_severity) patch.min_severity = input.min_severity;
  const kinds = input.kinds ?? [];
  if (kinds.length !== rule.kinds.length || kinds.some((k) => !rule.kinds.includes(k))) patch.kinds = kinds;
  if (input.channel_id !== rule.channel_id) patch.channel_id = input.channel_id;
  if ((input.digest ?? false) !== rule.digest) patch.digest = input.digest ?? false;
  return patch;
}
