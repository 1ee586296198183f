import { useState } from 'react';
import {
  Button,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  TextInput,
} from '@patternfly/react-core';
import { CHANNEL_KIND_LABELS, CHANNEL_KINDS, isOneOf } from '../../api/enums';
import type { Channel, ChannelKind } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { testIds } from '../../testids';
import { useCreateChannel, useUpdateChannel } from './api';
import {
  CHANNEL_SETTINGS,
  SECRET_LABELS,
  channelFormValid,
  channelFormValues,
  channelInput,
  channelPatch,
  settingValid,
  type SettingField,
} from './forms';

const T = testIds.alerts;

function Help({ children }: { children: string }) {
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem>{children}</HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}

/** Adds a channel, or edits one (its kind is fixed; write-only settings and the secret left empty are kept). */
export function ChannelFormModal({ tenant, channel, onClose }: { tenant: string; channel?: Channel; onClose: () => void }) {
  const create = useCreateChannel(tenant);
  const update = useUpdateChannel(tenant);
  const mutation = channel ? update : create;
  const [name, setName] = useState(channel?.name ?? '');
  const [kind, setKind] = useState<ChannelKind>(channel?.kind ?? 'webhook');
  const [values, setValues] = useState<Record<string, string>>(() => (channel ? channelFormValues(channel) : {}));
  const [secret, setSecret] = useState('');
  const patch = channel && channelPatch(channel, name, values, secret);
  const valid = channelFormValid(name, kind, values, secret, !!channel) && (!patch || Object.keys(patch).length > 0);

  const submit = () => {
    if (!valid) return;
    if (channel && patch) update.mutate({ id: channel.id, patch }, { onSuccess: onClose });
    else create.mutate(channelInput(name, kind, values, secret), { onSuccess: onClose });
  };

  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby="channel-form-title">
      <ModalHeader title={channel ? `Edit ${channel.name}` : 'Add a notification channel'} labelId="channel-form-title" />
      <ModalBody>
        <Form
          id="channel-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <FormGroup label="Name" isRequired fieldId="channel-name">
            <TextInput
              id="channel-name"
              isRequired
              maxLength={100}
              value={name}
              onChange={(_e, v) => setName(v)}
              data-testid={T.channelName}
            />
          </FormGroup>
          <FormGroup label="Kind" isRequired fieldId="channel-kind">
            <FormSelect
              id="channel-kind"
              isDisabled={!!channel}
              value={kind}
              onChange={(_e, v) => isOneOf(CHANNEL_KINDS, v) && setKind(v)}
              data-testid={T.channelKind}
            >
              {CHANNEL_KINDS.map((k) => (
                <FormSelectOption key={k} value={k} label={CHANNEL_KIND_LABELS[k]} />
              ))}
            </FormSelect>
            {kind === 'ticket-sync' && (
              <Help>
                Carries remediation tickets, not alerts: every ticket change (created, status, assignee, due date, comment, verified or
                reopened by a run) is sent in order, keyed by ticket key and version. Alert rules cannot route to it.
              </Help>
            )}
          </FormGroup>
          {CHANNEL_SETTINGS[kind].map((f) => (
            <SettingInput
              key={`${kind}-${f.key}`}
              field={f}
              value={values[f.key] ?? ''}
              kept={channel && f.writeOnly ? channel.settings[f.key] : undefined}
              onChange={(v) => setValues((s) => ({ ...s, [f.key]: v }))}
            />
          ))}
          <SecretInput kind={kind} channel={channel} value={secret} onChange={setSecret} />
          <InlineError error={mutation.error} title={channel ? 'Saving the channel failed' : 'Adding the channel failed'} />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="channel-form"
          isDisabled={!valid || mutation.isPending}
          isLoading={mutation.isPending}
          data-testid={T.channelSubmit}
        >
          {channel ? 'Save' : 'Add channel'}
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

/** One setting of the kind; kept is the redacted stored value of a write-only setting being edited. */
function SettingInput({
  field: f,
  value,
  kept,
  onChange,
}: {
  field: SettingField;
  value: string;
  kept: string | undefined;
  onChange: (v: string) => void;
}) {
  const required = f.required && kept === undefined;
  return (
    <FormGroup label={f.label} isRequired={required} fieldId={`channel-setting-${f.key}`}>
      <TextInput
        id={`channel-setting-${f.key}`}
        type={f.type ?? 'text'}
        isRequired={required}
        placeholder={kept !== undefined ? `unchanged: ${kept}` : f.placeholder}
        validated={value !== '' && !settingValid(f, value) ? 'error' : 'default'}
        value={value}
        onChange={(_e, v) => onChange(v)}
        data-testid={T.channelSetting(f.key)}
      />
      {kept !== undefined && <Help>Shown as scheme and host only; leave empty to keep the stored one.</Help>}
      {f.help && <Help>{f.help}</Help>}
    </FormGroup>
  );
}

/** The write-only secret: required to add a channel of a kind that needs one; editing, empty keeps the stored one. */
function SecretInput({
  kind,
  channel,
  value,
  onChange,
}: {
  kind: ChannelKind;
  channel: Channel | undefined;
  value: string;
  onChange: (v: string) => void;
}) {
  const field = SECRET_LABELS[kind];
  const keep = channel?.has_secret ? 'Leave empty to keep the stored one; a value given replaces it. ' : '';
  return (
    <FormGroup
      label={channel ? `New ${field.label.toLowerCase()}` : field.label}
      isRequired={field.required && !channel}
      fieldId="channel-secret"
    >
      <TextInput
        id="channel-secret"
        type="password"
        autoComplete="new-password"
        isRequired={field.required && !channel}
        value={value}
        onChange={(_e, v) => onChange(v)}
        data-testid={T.channelSecret}
      />
      <Help>{`${keep}${field.help} Write-only: it cannot be read back.`}</Help>
    </FormGroup>
  );
}
