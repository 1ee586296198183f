import { useState } from 'react';
import {
  Button,
  Checkbox,
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
  Switch,
  TextInput,
} from '@patternfly/react-core';
import { ALERT_KINDS, ALERT_KIND_LABELS, SEVERITIES, isOneOf } from '../../api/enums';
import type { AlertKind, Channel, Severity } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { testIds } from '../../testids';
import { useCreateAlertRule } from './api';
import { alertRuleInput } from './forms';

const T = testIds.alerts;

export function RuleFormModal({ tenant, channels, onClose }: { tenant: string; channels: Channel[]; onClose: () => void }) {
  const create = useCreateAlertRule(tenant);
  const [name, setName] = useState('');
  const [severity, setSeverity] = useState<Severity>('high');
  const [kinds, setKinds] = useState<AlertKind[]>([]);
  const [channel, setChannel] = useState<number>(channels[0]?.id ?? 0);
  const [digest, setDigest] = useState(false);
  const valid = name.trim() !== '' && channel > 0;

  const toggleKind = (k: AlertKind, on: boolean) => setKinds((s) => (on ? [...s, k] : s.filter((x) => x !== k)));

  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby="rule-form-title">
      <ModalHeader title="Add an alert rule" labelId="rule-form-title" />
      <ModalBody>
        <Form
          id="rule-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid)
              create.mutate(
                alertRuleInput(
                  name,
                  severity,
                  ALERT_KINDS.filter((k) => kinds.includes(k)),
                  channel,
                  digest,
                ),
                { onSuccess: onClose },
              );
          }}
        >
          <FormGroup label="Name" isRequired fieldId="rule-name">
            <TextInput id="rule-name" isRequired maxLength={100} value={name} onChange={(_e, v) => setName(v)} data-testid={T.ruleName} />
          </FormGroup>
          <FormGroup label="Minimum severity" fieldId="rule-severity">
            <FormSelect
              id="rule-severity"
              value={severity}
              onChange={(_e, v) => isOneOf(SEVERITIES, v) && setSeverity(v)}
              data-testid={T.ruleSeverity}
            >
              {SEVERITIES.map((s) => (
                <FormSelectOption key={s} value={s} label={s === 'critical' ? 'critical' : `${s} and above`} />
              ))}
            </FormSelect>
          </FormGroup>
          <FormGroup label="Event kinds" role="group" isStack fieldId="rule-kinds">
            {ALERT_KINDS.map((k) => (
              <Checkbox
                key={k}
                id={`rule-kind-${k}`}
                label={ALERT_KIND_LABELS[k]}
                isChecked={kinds.includes(k)}
                onChange={(_e, on) => toggleKind(k, on)}
                data-testid={T.ruleKind(k)}
              />
            ))}
            <FormHelperText>
              <HelperText>
                <HelperTextItem>None ticked: every kind.</HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <FormGroup label="Channel" isRequired fieldId="rule-channel">
            <FormSelect id="rule-channel" value={channel} onChange={(_e, v) => setChannel(Number(v))} data-testid={T.ruleChannel}>
              {channels.map((c) => (
                <FormSelectOption key={c.id} value={c.id} label={`${c.name} (${c.kind})`} />
              ))}
            </FormSelect>
          </FormGroup>
          <FormGroup fieldId="rule-digest">
            <Switch
              id="rule-digest"
              label="Digest: one message per run instead of one per event"
              isChecked={digest}
              onChange={(_e, v) => setDigest(v)}
              data-testid={T.ruleDigest}
            />
          </FormGroup>
          <InlineError error={create.error} title="Adding the rule failed" />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="rule-form"
          isDisabled={!valid || create.isPending}
          isLoading={create.isPending}
          data-testid={T.ruleSubmit}
        >
          Add rule
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
