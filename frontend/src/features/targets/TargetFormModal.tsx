import { useState } from 'react';
import {
  Button,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Switch,
  TextInput,
} from '@patternfly/react-core';
import type { Target, TargetPatch } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { testIds } from '../../testids';
import { useCreateTarget, useUpdateTarget } from './api';
import { KubeconfigInput } from './KubeconfigInput';

const T = testIds.targetForm;

/** Adds a cluster target, or edits any target's name, schedule, enabled flag and credentials. */
export function TargetFormModal({ tenant, target, onClose }: { tenant: string; target?: Target; onClose: () => void }) {
  const create = useCreateTarget(tenant);
  const update = useUpdateTarget(tenant);
  const mutation = target ? update : create;
  const isCluster = !target || target.kind === 'cluster';
  const [name, setName] = useState(target?.name ?? '');
  const [schedule, setSchedule] = useState(target?.schedule ?? '1h');
  const [enabled, setEnabled] = useState(target?.enabled ?? true);
  const [context, setContext] = useState(target?.settings.context ?? '');
  const [credentials, setCredentials] = useState<string | undefined>(undefined);
  const valid = name.trim() !== '' && schedule.trim() !== '' && (target ? true : credentials !== undefined);

  const submit = () => {
    if (!valid) return;
    const settings = isCluster ? { ...(target?.settings ?? {}), ...(context.trim() ? { context: context.trim() } : {}) } : undefined;
    if (settings && !context.trim()) delete settings.context;
    if (target) {
      const patch: TargetPatch = { name: name.trim(), schedule: schedule.trim(), enabled };
      if (settings) patch.settings = settings;
      if (credentials !== undefined) patch.credentials = credentials;
      update.mutate({ id: target.id, patch }, { onSuccess: onClose });
    } else {
      create.mutate(
        {
          name: name.trim(),
          kind: 'cluster',
          schedule: schedule.trim(),
          enabled,
          settings: settings ?? {},
          ...(credentials ? { credentials } : {}),
        },
        { onSuccess: onClose },
      );
    }
  };

  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby="target-form-title" data-testid={T.modal}>
      <ModalHeader title={target ? `Edit ${target.name}` : 'Add a cluster target'} labelId="target-form-title" />
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
