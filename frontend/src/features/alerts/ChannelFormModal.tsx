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
import type { ChannelKind } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { testIds } from '../../testids';
import { useCreateChannel } from './api';
import { CHANNEL_SETTINGS, SECRET_LABELS, channelFormValid, channelInput, settingValid } from './forms';

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

export function ChannelFormModal({ tenant, onClose }: { tenant: string; onClose: () => void }) {
  const create = useCreateChannel(tenant);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ChannelKind>('webhook');
  const [values, setValues] = useState<Record<string, string>>({});
  const [secret, setSecret] = useState('');
  const valid = channelFormValid(name, kind, values, secret);
  const secretField = SECRET_LABELS[kind];

  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby="channel-form-title">
      <ModalHeader title="Add a notification channel" labelId="channel-form-title" />
      <ModalBody>
        <Form
          id="channel-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) create.mutate(channelInput(name, kind, values, secret), { onSuccess: onClose });
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
          {CHANNEL_SETTINGS[kind].map((f) => {
            const invalid = (values[f.key] ?? '') !== '' && !settingValid(f, values[f.key]);
            return (
              <FormGroup key={`${kind}-${f.key}`} label={f.label} isRequired={f.required} fieldId={`channel-setting-${f.key}`}>
                <TextInput
                  id={`channel-setting-${f.key}`}
                  type={f.type ?? 'text'}
                  isRequired={f.required}
                  placeholder={f.placeholder}
                  validated={invalid ? 'error' : 'default'}
                  value={values[f.key] ?? ''}
                  onChange={(_e, v) => setValues((s) => ({ ...s, [f.key]: v }))}
                  data-testid={T.channelSetting(f.key)}
                />
                {f.help && <Help>{f.help}</Help>}
              </FormGroup>
            );
          })}
          <FormGroup label={secretField.label} isRequired={secretField.required} fieldId="channel-secret">
            <TextInput
              id="channel-secret"
              type="password"
              autoComplete="new-password"
              isRequired={secretField.required}
              value={secret}
              onChange={(_e, v) => setSecret(v)}
              data-testid={T.channelSecret}
            />
            <Help>{`${secretField.help} Write-only: it cannot be read back.`}</Help>
          </FormGroup>
          <InlineError error={create.error} title="Adding the channel failed" />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="channel-form"
          isDisabled={!valid || create.isPending}
          isLoading={create.isPending}
          data-testid={T.channelSubmit}
        >
          Add channel
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
