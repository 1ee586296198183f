import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AlertRule, Channel, Delivery, Role } from '../../api/types';
import { membership, session } from '../../test/fixtures';
import { fakeApi, JsonResponse } from '../../test/fakeApi';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.alerts;

const channel = (id: number, over: Partial<Channel> = {}): Channel => ({
  id,
  name: `chan-${id}`,
  kind: 'webhook',
  settings: { url: 'https://hooks.example/p' },
  has_secret: true,
  enabled: true,
  created_at: '2026-11-20T10:00:00Z',
  ...over,
});
const rule: AlertRule = {
  id: 5,
  name: 'critical drift',
  min_severity: 'critical',
  checks: [],
  areas: [],
  targets: [],
  kinds: ['regression'],
  channel_id: 1,
  digest: true,
  enabled: true,
};
const delivery: Delivery = {
  id: 8,
  channel_id: 2,
  key: 'regression:42',
  status: 'dead',
  attempts: 5,
  last_error: 'connection refused',
  created_at: '2026-11-22T10:00:00Z',
  sent_at: null,
};

function alertsApi() {
  return fakeApi({
    'GET /api/v1/tenants/acme/channels': () => ({ items: [channel(1), channel(2, { kind: 'slack', settings: {} })] }),
    'GET /api/v1/tenants/acme/alert-rules': () => ({ items: [rule] }),
    'GET /api/v1/tenants/acme/deliveries': () => ({ items: [delivery] }),
    'POST /api/v1/tenants/acme/channels/1/test': () => ({ delivered: true, error: '' }),
    'POST /api/v1/tenants/acme/channels/2/test': () => ({ delivered: false, error: 'slack: 404 no_service' }),
    'POST /api/v1/tenants/acme/channels': ({ body }) => new JsonResponse(201, { ...channel(3), ...(body as object) }),
    'POST /api/v1/tenants/acme/alert-rules': ({ body }) => new JsonResponse(201, { ...rule, id: 6, ...(body as object) }),
  });
}

function renderAs(role: Role) {
  const api = alertsApi();
  renderApp({ route: '/t/acme/alerts', fetch: api.fetch, session: session([membership(role)]) });
  return api;
}

describe('AlertsPage', () => {
  it('shows channels, rules and deliveries read-only without alert.write', async () => {
    renderAs('operator');
    await screen.findByTestId(T.channelRow(1), {}, { timeout: 15_000 }); // first render loads the lazy route
    expect(document.title).toBe('Alerts · Acme Retail · Palisade');
    expect(await screen.findByTestId(T.ruleRow(5))).toBeTruthy();
    expect(screen.getByTestId(T.ruleRow(5)).textContent).toContain('Regression');
    expect(screen.getByTestId(T.ruleRow(5)).textContent).toContain('chan-1');
    expect((await screen.findByTestId(T.deliveryStatus(8))).textContent).toBe('dead');
    expect(screen.getByTestId(T.deliveryRow(8)).textContent).toContain('connection refused');
    expect(screen.queryByTestId(T.channelAdd)).toBeNull();
    expect(screen.queryByTestId(T.ruleAdd)).toBeNull();
    expect(screen.queryByTestId(T.channelTest(1))).toBeNull();
  });

  it('sends a test and shows delivered or the error text', async () => {
    const api = renderAs('security-manager');
    fireEvent.click(await screen.findByTestId(T.channelTest(1)));
    expect((await screen.findByTestId(T.channelTestResult(1))).textContent).toBe('delivered');
    fireEvent.click(screen.getByTestId(T.channelTest(2)));
    expect((await screen.findByTestId(T.channelTestResult(2))).textContent).toContain('slack: 404 no_service');
    expect(api.callsTo('POST', '/api/v1/tenants/acme/channels/2/test')[0]!.headers.get('X-CSRF-Token')).toBe('csrf-123');
  });

  it('adds an email channel with its settings and a password-type SMTP password', async () => {
    const api = renderAs('security-manager');
    fireEvent.click(await screen.findByTestId(T.channelAdd));
    fireEvent.change(await screen.findByTestId(T.channelKind), { target: { value: 'email' } });
    fireEvent.change(screen.getByTestId(T.channelName), { target: { value: 'mail' } });
    fireEvent.change(screen.getByTestId(T.channelSetting('host')), { target: { value: 'smtp.acme.example' } });
    fireEvent.change(screen.getByTestId(T.channelSetting('port')), { target: { value: '587' } });
    fireEvent.change(screen.getByTestId(T.channelSetting('from')), { target: { value: 'palisade@acme.example' } });
    fireEvent.change(screen.getByTestId(T.channelSetting('to')), { target: { value: 'sec@acme.example' } });
    const secret = screen.getByLabelText(/SMTP password/) as HTMLInputElement;
    expect(secret.type).toBe('password');
    fireEvent.change(secret, { target: { value: 'pw' } });
    expect(screen.queryByTestId(T.channelSetting('url'))).toBeNull();
    fireEvent.click(screen.getByTestId(T.channelSubmit));
    await waitFor(() => expect(api.callsTo('POST', '/api/v1/tenants/acme/channels')).toHaveLength(1));
    expect(api.callsTo('POST', '/api/v1/tenants/acme/channels')[0]!.body).toEqual({
      name: 'mail',
      kind: 'email',
      settings: { host: 'smtp.acme.example', port: '587', from: 'palisade@acme.example', to: 'sec@acme.example' },
      secret: 'pw',
    });
  });

  it('adds a ticket-sync channel with its url, Jira project key and issue type', async () => {
    const api = renderAs('security-manager');
    fireEvent.click(await screen.findByTestId(T.channelAdd));
    const kind = (await screen.findByTestId(T.channelKind)) as HTMLSelectElement;
    expect([...kind.options].map((o) => o.value)).toEqual(['webhook', 'slack', 'email', 'ticket-sync']);
    fireEvent.change(kind, { target: { value: 'ticket-sync' } });
    expect(screen.getByText(/Carries remediation tickets, not alerts/)).toBeTruthy();
    expect(screen.queryByTestId(T.channelSetting('host'))).toBeNull();
    fireEvent.change(screen.getByTestId(T.channelName), { target: { value: 'jira' } });
    fireEvent.change(screen.getByTestId(T.channelSetting('url')), { target: { value: 'https://automation.example/hooks/abc' } });
    fireEvent.change(screen.getByTestId(T.channelSetting('project_key')), { target: { value: 'sec' } });
    const secret = screen.getByLabelText(/Signing secret/) as HTMLInputElement;
    expect(secret.type).toBe('password');
    fireEvent.change(secret, { target: { value: '0123456789abcdef0123456789abcdef' } });
    // A lower-case project key is not a Jira key: the form says so and will not submit.
    expect((screen.getByTestId(T.channelSetting('project_key')) as HTMLInputElement).getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByTestId(T.channelSubmit) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId(T.channelSetting('project_key')), { target: { value: 'SEC' } });
    fireEvent.change(screen.getByTestId(T.channelSetting('issue_type')), { target: { value: 'Task' } });
    fireEvent.click(screen.getByTestId(T.channelSubmit));
    await waitFor(() => expect(api.callsTo('POST', '/api/v1/tenants/acme/channels')).toHaveLength(1));
    expect(api.callsTo('POST', '/api/v1/tenants/acme/channels')[0]!.body).toEqual({
      name: 'jira',
      kind: 'ticket-sync',
      settings: { url: 'https://automation.example/hooks/abc', project_key: 'SEC', issue_type: 'Task' },
      secret: '0123456789abcdef0123456789abcdef',
    });
  });

  it('offers no ticket-sync channel to alert rules', async () => {
    const api = fakeApi({
      'GET /api/v1/tenants/acme/channels': () => ({
        items: [channel(1), channel(4, { name: 'jira', kind: 'ticket-sync', settings: { url: 'https://x', project_key: 'SEC' } })],
      }),
      'GET /api/v1/tenants/acme/alert-rules': () => ({ items: [] }),
      'GET /api/v1/tenants/acme/deliveries': () => ({ items: [] }),
    });
    renderApp({ route: '/t/acme/alerts', fetch: api.fetch, session: session([membership('admin')]) });
    expect((await screen.findByTestId(T.channelRow(4))).textContent).toContain('ticket-sync');
    fireEvent.click(screen.getByTestId(T.ruleAdd));
    const select = (await screen.findByTestId(T.ruleChannel)) as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['1']);
  });

  it('labels the secret per kind', async () => {
    renderAs('admin');
    fireEvent.click(await screen.findByTestId(T.channelAdd));
    expect(await screen.findByLabelText(/Signing secret/)).toBeTruthy();
    fireEvent.change(screen.getByTestId(T.channelKind), { target: { value: 'slack' } });
    expect(screen.getByLabelText(/Slack webhook URL/)).toBeTruthy();
  });

  it('adds a rule with kinds, channel and digest', async () => {
    const api = renderAs('security-manager');
    await screen.findByTestId(T.channelRow(2));
    fireEvent.click(screen.getByTestId(T.ruleAdd));
    const name = await screen.findByTestId(T.ruleName);
    fireEvent.change(name, { target: { value: 'crit' } });
    fireEvent.change(screen.getByTestId(T.ruleSeverity), { target: { value: 'medium' } });
    fireEvent.click(screen.getByTestId(T.ruleKind('ticket_overdue')));
    fireEvent.click(screen.getByTestId(T.ruleKind('new_finding')));
    fireEvent.change(screen.getByTestId(T.ruleChannel), { target: { value: '2' } });
    fireEvent.click(screen.getByTestId(T.ruleDigest));
    fireEvent.click(screen.getByTestId(T.ruleSubmit));
    await waitFor(() => expect(api.callsTo('POST', '/api/v1/tenants/acme/alert-rules')).toHaveLength(1));
    expect(api.callsTo('POST', '/api/v1/tenants/acme/alert-rules')[0]!.body).toEqual({
      name: 'crit',
      min_severity: 'medium',
      kinds: ['new_finding', 'ticket_overdue'],
      channel_id: 2,
      digest: true,
    });
    expect(within(screen.getByTestId(T.rules)).getByTestId(T.ruleRow(5))).toBeTruthy();
  });
});

describe('AlertsPage: editing, disabling and deleting', () => {
  const inUse = {
    error: {
      code: 'conflict',
      message:
        'channel "chan-1" is used by 1 alert rule(s): "critical drift"; delete them or route them to another channel first, or delete the channel with its rules (force)',
      request_id: 'r1',
    },
  };

  function editApi() {
    return fakeApi({
      'GET /api/v1/tenants/acme/channels': () => ({
        items: [
          channel(1),
          channel(2, { kind: 'slack', settings: {}, enabled: false }),
          channel(3, {
            kind: 'email',
            settings: { host: 'smtp.acme.example', from: 'p@acme.example', to: 'a@acme.example' },
            has_secret: false,
          }),
        ],
      }),
      'GET /api/v1/tenants/acme/alert-rules': () => ({ items: [rule] }),
      'GET /api/v1/tenants/acme/deliveries': () => ({ items: [] }),
      'PATCH /api/v1/tenants/acme/channels/1': ({ body }) => ({ ...channel(1), ...(body as object) }),
      'PATCH /api/v1/tenants/acme/channels/2': ({ body }) => ({ ...channel(2), ...(body as object) }),
      'PATCH /api/v1/tenants/acme/channels/3': ({ body }) => ({ ...channel(3), ...(body as object) }),
      'DELETE /api/v1/tenants/acme/channels/1': ({ url }) =>
        url.searchParams.get('force') === 'true'
          ? { rules_deleted: [{ id: 5, name: 'critical drift' }], deliveries_deleted: 3 }
          : new JsonResponse(409, inUse),
      'DELETE /api/v1/tenants/acme/channels/3': () => ({ rules_deleted: [], deliveries_deleted: 0 }),
      'PATCH /api/v1/tenants/acme/alert-rules/5': ({ body }) => ({ ...rule, ...(body as object) }),
      'DELETE /api/v1/tenants/acme/alert-rules/5': () => undefined,
    });
  }

  function renderEditAs(role: Role) {
    const api = editApi();
    renderApp({ route: '/t/acme/alerts', fetch: api.fetch, session: session([membership(role)]) });
    return api;
  }

  it('offers no edit, toggle or delete to a role without alert.write', async () => {
    renderEditAs('operator');
    await screen.findByTestId(T.ruleRow(5));
    for (const id of [T.channelEdit(1), T.channelToggle(1), T.channelDelete(1), T.ruleEdit(5), T.ruleToggle(5), T.ruleDelete(5)]) {
      expect(screen.queryByTestId(id)).toBeNull();
    }
  });

  it('disables an enabled channel and enables a disabled one', async () => {
    const api = renderEditAs('security-manager');
    const off = await screen.findByTestId(T.channelToggle(1));
    expect(off.textContent).toBe('Disable');
    expect(screen.getByTestId(T.channelToggle(2)).textContent).toBe('Enable');
    expect(screen.getByTestId(T.channelRow(2)).textContent).toContain('disabled');
    fireEvent.click(off);
    await waitFor(() => expect(api.callsTo('PATCH', '/api/v1/tenants/acme/channels/1')).toHaveLength(1));
    const call = api.callsTo('PATCH', '/api/v1/tenants/acme/channels/1')[0]!;
    expect(call.body).toEqual({ enabled: false });
    expect(call.headers.get('X-CSRF-Token')).toBe('csrf-123');
    fireEvent.click(screen.getByTestId(T.channelToggle(2)));
    await waitFor(() => expect(api.callsTo('PATCH', '/api/v1/tenants/acme/channels/2')[0]?.body).toEqual({ enabled: true }));
  });

  it('edits a webhook: the URL is not prefilled and is kept unless typed; the secret only when given', async () => {
    const api = renderEditAs('admin');
    fireEvent.click(await screen.findByTestId(T.channelEdit(1)));
    const name = (await screen.findByTestId(T.channelName)) as HTMLInputElement;
    expect(name.value).toBe('chan-1');
    expect((screen.getByTestId(T.channelKind) as HTMLSelectElement).disabled).toBe(true);
    const url = screen.getByTestId(T.channelSetting('url')) as HTMLInputElement;
    expect(url.value).toBe('');
    expect(url.placeholder).toBe('unchanged: https://hooks.example/p');
    const submit = screen.getByTestId(T.channelSubmit) as HTMLButtonElement;
    expect(submit.disabled).toBe(true); // nothing changed yet
    fireEvent.change(name, { target: { value: 'soc' } });
    fireEvent.change(screen.getByTestId(T.channelSecret), { target: { value: 'short' } });
    expect(submit.disabled).toBe(true); // a webhook secret has at least 16 bytes
    fireEvent.change(screen.getByTestId(T.channelSecret), { target: { value: 'a-new-signing-secret-0123' } });
    fireEvent.click(submit);
    await waitFor(() => expect(api.callsTo('PATCH', '/api/v1/tenants/acme/channels/1')).toHaveLength(1));
    expect(api.callsTo('PATCH', '/api/v1/tenants/acme/channels/1')[0]!.body).toEqual({ name: 'soc', secret: 'a-new-signing-secret-0123' });
    await waitFor(() => expect(screen.queryByTestId(T.channelSubmit)).toBeNull());
  });

  it('edits an email channel: sends only the changed setting, keeps the password', async () => {
    const api = renderEditAs('security-manager');
    fireEvent.click(await screen.findByTestId(T.channelEdit(3)));
    const to = (await screen.findByTestId(T.channelSetting('to'))) as HTMLInputElement;
    expect(to.value).toBe('a@acme.example');
    expect((screen.getByTestId(T.channelSetting('host')) as HTMLInputElement).value).toBe('smtp.acme.example');
    fireEvent.change(to, { target: { value: 'a@acme.example, b@acme.example' } });
    fireEvent.click(screen.getByTestId(T.channelSubmit));
    await waitFor(() => expect(api.callsTo('PATCH', '/api/v1/tenants/acme/channels/3')).toHaveLength(1));
    expect(api.callsTo('PATCH', '/api/v1/tenants/acme/channels/3')[0]!.body).toEqual({
      settings: { to: 'a@acme.example, b@acme.example' },
    });
  });

  it('deleting a channel that rules route to shows the refusal, then deletes it with its rules', async () => {
    const api = renderEditAs('security-manager');
    fireEvent.click(await screen.findByTestId(T.channelDelete(1)));
    const modal = await screen.findByTestId(testIds.confirm.modal);
    expect(modal.textContent).toContain('queued and past deliveries');
    fireEvent.click(within(modal).getByTestId(testIds.confirm.confirm));
    const refusal = await screen.findByTestId(T.channelDeleteInUse);
    expect(refusal.textContent).toContain('"critical drift"');
    const force = within(modal).getByTestId(testIds.confirm.confirm);
    expect(force.textContent).toBe('Delete with its 1 rule');
    const calls = api.callsTo('DELETE', '/api/v1/tenants/acme/channels/1');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url.searchParams.has('force')).toBe(false);
    fireEvent.click(force);
    await waitFor(() => expect(api.callsTo('DELETE', '/api/v1/tenants/acme/channels/1')).toHaveLength(2));
    expect(api.callsTo('DELETE', '/api/v1/tenants/acme/channels/1')[1]!.url.searchParams.get('force')).toBe('true');
    await waitFor(() => expect(screen.queryByTestId(testIds.confirm.modal)).toBeNull());
  });

  it('deletes an unused channel after one confirmation, without force', async () => {
    const api = renderEditAs('security-manager');
    fireEvent.click(await screen.findByTestId(T.channelDelete(3)));
    fireEvent.click(within(await screen.findByTestId(testIds.confirm.modal)).getByTestId(testIds.confirm.confirm));
    await waitFor(() => expect(screen.queryByTestId(testIds.confirm.modal)).toBeNull());
    const calls = api.callsTo('DELETE', '/api/v1/tenants/acme/channels/3');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url.search).toBe('');
  });

  it('edits a rule from its current values and sends only the changes', async () => {
    const api = renderEditAs('security-manager');
    await screen.findByTestId(T.channelRow(2));
    fireEvent.click(await screen.findByTestId(T.ruleEdit(5)));
    expect(((await screen.findByTestId(T.ruleName)) as HTMLInputElement).value).toBe('critical drift');
    expect((screen.getByTestId(T.ruleSeverity) as HTMLSelectElement).value).toBe('critical');
    expect((screen.getByTestId(T.ruleKind('regression')) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId(T.ruleDigest) as HTMLInputElement).checked).toBe(true);
    const channels = screen.getByTestId(T.ruleChannel) as HTMLSelectElement;
    expect(channels.value).toBe('1');
    expect([...channels.options].map((o) => o.textContent)).toContain('chan-2 (slack, disabled)');
    fireEvent.change(screen.getByTestId(T.ruleSeverity), { target: { value: 'high' } });
    fireEvent.click(screen.getByTestId(T.ruleKind('regression')));
    fireEvent.click(screen.getByTestId(T.ruleKind('new_finding')));
    fireEvent.change(channels, { target: { value: '2' } });
    fireEvent.click(screen.getByTestId(T.ruleSubmit));
    await waitFor(() => expect(api.callsTo('PATCH', '/api/v1/tenants/acme/alert-rules/5')).toHaveLength(1));
    expect(api.callsTo('PATCH', '/api/v1/tenants/acme/alert-rules/5')[0]!.body).toEqual({
      min_severity: 'high',
      kinds: ['new_finding'],
      channel_id: 2,
    });
  });

  it('disables a rule, and deletes one after confirming', async () => {
    const api = renderEditAs('admin');
    fireEvent.click(await screen.findByTestId(T.ruleToggle(5)));
    await waitFor(() => expect(api.callsTo('PATCH', '/api/v1/tenants/acme/alert-rules/5')[0]?.body).toEqual({ enabled: false }));
    fireEvent.click(screen.getByTestId(T.ruleDelete(5)));
    const modal = await screen.findByTestId(testIds.confirm.modal);
    expect(api.callsTo('DELETE', '/api/v1/tenants/acme/alert-rules/5')).toHaveLength(0);
    fireEvent.click(within(modal).getByTestId(testIds.confirm.confirm));
    await waitFor(() => expect(api.callsTo('DELETE', '/api/v1/tenants/acme/alert-rules/5')).toHaveLength(1));
  });
});
