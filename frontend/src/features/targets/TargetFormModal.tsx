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
  Switch,
  TextInput,
} from '@patternfly/react-core';
import type { Target, TargetKind, TargetPatch } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { testIds } from '../../testids';
import { useCreateTarget, useUpdateTarget } from './api';
import { KubeconfigInput } from './KubeconfigInput';
import {
  registryCredentials,
  registryDraft,
  registrySettings,
  validateRegistry,
  type RegistryDraft,
  type RegistryErrors,
} from './registryForm';
import { RegistrySettings } from './RegistrySettings';

const T = testIds.targetForm;

/** The kinds the API can add; host and manifests targets come from the configuration file. */
const ADDABLE: { value: TargetKind; label: string }[] = [
  { value: 'cluster', label: 'Cluster (kubeconfig)' },
  { value: 'registry', label: 'Registry' },
];

/**
 * Adds a cluster or registry target, or edits any target's name, schedule, enabled flag, and a
 * cluster's or registry's settings and credentials (stored credentials are kept unless replaced).
 */
export function TargetFormModal({ tenant, target, onClose }: { tenant: string; target?: Target; onClose: () => void }) {
  const create = useCreateTarget(tenant);
  const update = useUpdateTarget(tenant);
  const mutation = target ? update : create;
  const [kind, setKind] = useState<TargetKind>(target?.kind ?? 'cluster');
  const isCluster = kind === 'cluster';
  const isRegistry = kind === 'registry';
  const [registry, setRegistry] = useState<RegistryDraft>(() => registryDraft(target));
  const [touched, setTouched] = useState<Set<keyof RegistryErrors>>(new Set());
  const registryErrors = isRegistry ? validateRegistry(registry) : {};
  const [name, setName] = useState(target?.name ?? '');
  const [schedule, setSchedule] = useState(target?.schedule ?? '1h');
  const [enabled, setEnabled] = useState(target?.enabled ?? true);
  const [context, setContext] = useState(target?.settings.context ?? '');
  const [credentials, setCredentials] = useState<string | undefined>(undefined);
  const valid =
    name.trim() !== '' &&
    schedule.trim() !== '' &&
    (isRegistry ? Object.keys(registryErrors).length === 0 : target || !isCluster ? true : credentials !== undefined);

  const submit = () => {
    if (!valid) return;
    let settings: Record<string, string> | undefined;
    let secret = credentials;
    if (isCluster) {
      settings = { ...(target?.settings ?? {}), ...(context.trim() ? { context: context.trim() } : {}) };
      if (!context.trim()) delete settings.context;
    } else if (isRegistry) {
      settings = registrySettings(registry, target?.settings);
      secret = registryCredentials(registry, target?.has_credentials ?? false);
    }
    if (target) {
      const patch: TargetPatch = { name: name.trim(), schedule: schedule.trim(), enabled };
      if (settings) patch.settings = settings;
      if (secret !== undefined) patch.credentials = secret;
      update.mutate({ id: target.id, patch }, { onSuccess: onClose });
    } else {
      create.mutate(
        {
          name: name.trim(),
          kind,
          schedule: schedule.trim(),
          enabled,
          settings: settings ?? {},
          ...(secret ? { credentials: secret } : {}),
        },
        { onSuccess: onClose },
      );
    }
  };

  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby="target-form-title" data-testid={T.modal}>
      <ModalHeader title={target ? `Edit ${target.name}` : 'Add a target'} labelId="target-form-title" />
      <ModalBody>
        <Form
          id="target-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <FormGroup label="Name" isRequired fieldId="target-name">
            <TextInput id="target-name" isRequired maxLength={100} value={name} onChange={(_e, v) => setName(v)} data-testid={T.name} />
          </FormGroup>
          {!target && (
            <FormGroup label="Kind" isRequired fieldId="target-kind">
              <FormSelect
                id="target-kind"
                value={kind}
                onChange={(_e, v) => setKind(v === 'registry' ? 'registry' : 'cluster')}
                data-testid={T.kind}
              >
                {ADDABLE.map((k) => (
                  <FormSelectOption key={k.value} value={k.value} label={k.label} />
                ))}
              </FormSelect>
            </FormGroup>
          )}
          {isRegistry && (
            <>
              {target && (
                <p className="pal-small">
                  Stored credentials: <strong>{target.has_credentials ? 'yes (sealed)' : 'none'}</strong>
                </p>
              )}
              <RegistrySettings
                draft={registry}
                errors={registryErrors}
                stored={target?.has_credentials ?? false}
                show={(f) => touched.has(f)}
                onChange={(patch, field) => {
                  setRegistry((r) => ({ ...r, ...patch }));
                  if (field) setTouched((s) => (s.has(field) ? s : new Set(s).add(field)));
                }}
              />
            </>
          )}
          {isCluster && (
            <>
              {target && (
                <p className="pal-small">
                  Stored credentials: <strong>{target.has_credentials ? 'yes (sealed)' : 'none'}</strong>
                </p>
              )}
              <KubeconfigInput required={!target} onChange={setCredentials} />
              <FormGroup label="Context" fieldId="target-context">
                <TextInput id="target-context" value={context} onChange={(_e, v) => setContext(v)} data-testid={T.context} />
                <FormHelperText>
                  <HelperText>
                    <HelperTextItem>The kubeconfig context to use; empty for its current context.</HelperTextItem>
                  </HelperText>
                </FormHelperText>
              </FormGroup>
            </>
          )}
          <FormGroup label="Schedule" isRequired fieldId="target-schedule">
            <TextInput
              id="target-schedule"
              isRequired
              maxLength={100}
              value={schedule}
              onChange={(_e, v) => setSchedule(v)}
              data-testid={T.schedule}
            />
            <FormHelperText>
              <HelperText>
                <HelperTextItem>An interval such as 15m or 1h, or a cron expression such as 0 */6 * * *.</HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <FormGroup fieldId="target-enabled">
            <Switch
              id="target-enabled"
              label="Collect on schedule"
              isChecked={enabled}
              onChange={(_e, v) => setEnabled(v)}
              data-testid={T.enabled}
            />
          </FormGroup>
          <InlineError error={mutation.error} title={target ? 'Saving failed' : 'Adding the target failed'} />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="target-form"
          isDisabled={!valid || mutation.isPending}
          isLoading={mutation.isPending}
          data-testid={T.submit}
        >
          {target ? 'Save' : 'Add target'}
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
