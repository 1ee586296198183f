import { describe, expect, it } from 'vitest';
import type { AlertRule, Channel } from '../../api/types';
import { alertRuleInput, alertRulePatch, channelFormValid, channelFormValues, channelInput, channelPatch } from './forms';

describe('channelInput', () => {
  const all = {
    url: ' https://hooks.example/p ',
    host: 'smtp.example',
    port: '587',
    from: 'p@acme.example',
    to: 'a@x, b@x',
    username: 'u',
  };

  it('sends a webhook its url and the signing secret', () => {
    expect(channelInput(' ops ', 'webhook', all, 's3cret')).toEqual({
      name: 'ops',
      kind: 'webhook',
      settings: { url: 'https://hooks.example/p' },
      secret: 's3cret',
    });
  });

  it('sends Slack no settings: its webhook URL is the secret', () => {
    expect(channelInput('chat', 'slack', all, 'https://hooks.slack.com/services/T/B/X')).toEqual({
      name: 'chat',
      kind: 'slack',
      secret: 'https://hooks.slack.com/services/T/B/X',
    });
  });

  it('sends ticket sync its url and Jira names, and the signing secret', () => {
    expect(channelInput('jira', 'ticket-sync', { ...all, project_key: ' SEC ', issue_type: '' }, '0123456789abcdef')).toEqual({
      name: 'jira',
      kind: 'ticket-sync',
      settings: { url: 'https://hooks.example/p', project_key: 'SEC' },
      secret: '0123456789abcdef',
    });
  });

  it('sends email its SMTP settings and leaves empty ones and an empty password out', () => {
    expect(channelInput('mail', 'email', { ...all, username: ' ' }, '')).toEqual({
      name: 'mail',
      kind: 'email',
      settings: { host: 'smtp.example', port: '587', from: 'p@acme.example', to: 'a@x, b@x' },
    });
  });
});

describe('channelFormValid', () => {
  it('requires each kind’s own fields and a long enough signing secret', () => {
    expect(channelFormValid('ops', 'webhook', {}, '0123456789abcdef')).toBe(false);
    expect(channelFormValid('ops', 'webhook', { url: 'https://x' }, '')).toBe(false);
    expect(channelFormValid('ops', 'webhook', { url: 'https://x' }, 'too-short')).toBe(false);
    expect(channelFormValid('ops', 'webhook', { url: 'https://x' }, '0123456789abcdef')).toBe(true);
    expect(channelFormValid('chat', 'slack', {}, '')).toBe(false);
    expect(channelFormValid('chat', 'slack', {}, 'https://hooks.slack.com/x')).toBe(true);
    expect(channelFormValid('mail', 'email', { host: 'h', from: 'f@x' }, '')).toBe(false);
    expect(channelFormValid('mail', 'email', { host: 'h', from: 'f@x', to: 't@x' }, '')).toBe(true);
    expect(channelFormValid(' ', 'webhook', { url: 'https://x' }, '0123456789abcdef')).toBe(false);
  });

  it('requires ticket sync’s url and signing secret, and a Jira-style project key when one is given', () => {
    const secret = '0123456789abcdef';
    expect(channelFormValid('jira', 'ticket-sync', { url: 'https://x' }, secret)).toBe(true);
    expect(channelFormValid('jira', 'ticket-sync', { url: 'https://x' }, 'short')).toBe(false);
    expect(channelFormValid('jira', 'ticket-sync', {}, secret)).toBe(false);
    expect(channelFormValid('jira', 'ticket-sync', { url: 'https://x', project_key: 'SEC_2' }, secret)).toBe(true);
    expect(channelFormValid('jira', 'ticket-sync', { url: 'https://x', project_key: 'sec' }, secret)).toBe(false);
    expect(channelFormValid('jira', 'ticket-sync', { url: 'https://x', project_key: 'ABCDEFGHIJK' }, secret)).toBe(false);
  });
});

describe('alertRuleInput', () => {
  it('leaves kinds out when none is chosen (every kind)', () => {
    expect(alertRuleInput(' crit ', 'critical', [], 3, true)).toEqual({
      name: 'crit',
      min_severity: 'critical',
      channel_id: 3,
      digest: true,
    });
    expect(alertRuleInput('r', 'high', ['regression', 'ticket_overdue'], 1, false).kinds).toEqual(['regression', 'ticket_overdue']);
  });
});

describe('editing a channel', () => {
  const hook: Channel = {
    id: 1,
    name: 'ops',
    kind: 'ticket-sync',
    settings: { url: 'https://bridge.example/…', project_key: 'SEC' },
    has_secret: true,
    enabled: true,
    created_at: '2026-11-20T10:00:00Z',
  };

  it('starts from the settings it can show, never the redacted URL', () => {
    expect(channelFormValues(hook)).toEqual({ project_key: 'SEC' });
  });

  it('sends only what changed: a typed URL, a cleared setting as "", a new secret', () => {
    expect(channelPatch(hook, 'ops', { project_key: 'SEC' }, '')).toEqual({});
    expect(channelPatch(hook, ' ops2 ', { url: '', project_key: 'SEC' }, '')).toEqual({ name: 'ops2' });
    expect(channelPatch(hook, 'ops', { url: ' https://bridge.example/new ', project_key: '', issue_type: 'Task' }, 'n'.repeat(20))).toEqual(
      {
        settings: { url: 'https://bridge.example/new', project_key: '', issue_type: 'Task' },
        secret: 'n'.repeat(20),
      },
    );
  });

  it('needs neither the URL nor the secret again, but checks them when given', () => {
    expect(channelFormValid('ops', 'ticket-sync', { project_key: 'SEC' }, '', true)).toBe(true);
    expect(channelFormValid('ops', 'ticket-sync', { project_key: 'SEC' }, '')).toBe(false);
    expect(channelFormValid('ops', 'ticket-sync', { project_key: 'SEC' }, 'short', true)).toBe(false);
    expect(channelFormValid('ops', 'ticket-sync', { project_key: 'sec' }, '', true)).toBe(false);
    expect(channelFormValid('ops', 'email', { from: 'p@x', to: 'a@x' }, '', true)).toBe(false); // host is not write-only
  });
});

describe('alertRulePatch', () => {
  const rule: AlertRule = {
    id: 5,
    name: 'crit',
    min_severity: 'critical',
    checks: ['k8s.privileged-container'],
    areas: [],
    targets: [],
    kinds: ['regression', 'new_finding'],
    channel_id: 1,
    digest: true,
    enabled: false,
  };

  it('is empty when the form is as the rule, whatever the order of kinds', () => {
    expect(alertRulePatch(rule, alertRuleInput('crit', 'critical', ['new_finding', 'regression'], 1, true))).toEqual({});
  });

  it('names each changed field, and an emptied kind list as []', () => {
    expect(alertRulePatch(rule, alertRuleInput(' crit2 ', 'high', [], 2, false))).toEqual({
      name: 'crit2',
      min_severity: 'high',
      kinds: [],
      channel_id: 2,
      digest: false,
    });
  });
});
