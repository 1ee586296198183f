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
import type { AlertKind, AlertRule, Channel, Severity } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { testIds } from '../../testids';
import { useCreateAlertRule, useUpdateAlertRule } from './api';
import { alertRulePatch, alertRuleInput } from './forms';

const T = testIds.alerts;

/** Adds a rule, or edits one; checks, areas and targets set through the API are kept as they are. */
export function RuleFormModal({
  tenant,
  channels,
  rule,
  onClose,
}: {
  tenant: string;
  channels: Channel[];
  rule?: AlertRule;
  onClose: () => void;
}) {
  const create = useCreateAlertRule(tenant);
  const update = useUpdateAlertRule(tenant);
  const mutation = rule ? update : create;
  const [name, setName] = useState(rule?.name ?? '');
  const [severity, setSeverity] = useState<Severity>(rule?.min_severity ?? 'high');
  const [kinds, setKinds] = useState<AlertKind[]>(() => ALERT_KINDS.filter((k) => rule?.kinds.includes(k)));
  const [channel, setChannel] = useState<number>(rule?.channel_id ?? channels[0]?.id ?? 0);
  const [digest, setDigest] = useState(rule?.digest ?? false);
  const input = alertRuleInput(
    name,
    severity,
    ALERT_KINDS.filter((k) => kinds.includes(k)),
    channel,
    digest,
  );
  const patch = rule && alertRulePatch(rule, input);
  const valid = name.trim() !== '' && channel > 0 && (!patch || Object.keys(patch).length > 0);
  const narrowed = rule && [...rule.checks, ...rule.areas, ...rule.targets.map((t) => `target #${t}`)];

  const toggleKind = (k: AlertKind, on: boolean) => setKinds((s) => (on ? [...s, k] : s.filter((x) => x !== k)));
  const submit = () => {
    if (!valid) return;
    if (rule && patch) update.mutate({ id: rule.id, patch }, { onSuccess: onClose });
    else create.mutate(input, { onSuccess: onClose });
  };

  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby="rule-form-title">
      <ModalHeader title={rule ? `Edit ${rule.name}` : 'Add an alert rule'} labelId="rule-form-title" />
      <ModalBody>
        <Form
          id="rule-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
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
                <FormSelectOption key={c.id} value={c.id} label={`${c.name} (${c.kind}${c.enabled ? '' : ', disabled'})`} />
              ))}
            </FormSelect>
          </FormGroup>
          {narrowed && narrowed.length > 0 && (
            <p className="pal-small">Also narrowed to {narrowed.join(', ')} (set through the API; kept as they are).</p>
          )}
          <FormGroup fieldId="rule-digest">
            <Switch
              id="rule-digest"
              label="Digest: one message per run instead of one per event"
              isChecked={digest}
              onChange={(_e, v) => setDigest(v)}
              data-testid={T.ruleDigest}
            />
          </FormGroup>
          <InlineError error={mutation.error} title={rule ? 'Saving the rule failed' : 'Adding the rule failed'} />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="rule-form"
          isDisabled={!valid || mutation.isPending}
          isLoading={mutation.isPending}
          data-testid={T.ruleSubmit}
        >
          {rule ? 'Save' : 'Add rule'}
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
