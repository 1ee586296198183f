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
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import { TRIAGE_LABELS, TRIAGE_STATES, isOneOf } from '../../api/enums';
import type { Triage, TriageRequest } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { testIds } from '../../testids';
import { useTriage } from './api';

const T = testIds.triage;
/**
 * Builds the request. A field left out stays as it is on each finding; an empty assignee
 * would clear it, so that is sent only when "Unassign" is ticked.
 */
export function triageRequest(ids: number[], triage: Triage | '', assignee: string, unassign: boolean, note: string): TriageRequest {
  const body: TriageRequest = { ids };
  if (triage) body.triage = triage;
  if (unassign) body.assignee = '';
  else if (assignee.trim()) body.assignee = assignee.trim();
  if (note.trim()) body.note = note.trim();
  return body;
}

export function TriageModal({ tenant, ids, onClose }: { tenant: string; ids: number[]; onClose: (changed: boolean) => void }) {
  const triage = useTriage(tenant);
  const [state, setState] = useState<Triage | ''>('');
  const [assignee, setAssignee] = useState('');
  const [unassign, setUnassign] = useState(false);
  const [note, setNote] = useState('');
  const changes = state !== '' || unassign || assignee.trim() !== '';

  const submit = () => {
    if (!changes) return;
    triage.mutate(triageRequest(ids, state, assignee, unassign, note), { onSuccess: () => onClose(true) });
  };

  return (
    <Modal variant="small" isOpen onClose={() => onClose(false)} aria-labelledby="triage-title" data-testid={T.modal}>
      <ModalHeader title={`Triage ${ids.length} finding${ids.length === 1 ? '' : 's'}`} labelId="triage-title" />
      <ModalBody>
        <Form
          id="triage-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <FormGroup label="Triage state" fieldId="triage-state">
            <FormSelect
              id="triage-state"
              value={state}
              onChange={(_e, v) => setState(isOneOf(TRIAGE_STATES, v) ? v : '')}
              data-testid={T.state}
            >
              <FormSelectOption value="" label="Keep each finding's state" />
              {TRIAGE_STATES.map((s) => (
                <FormSelectOption key={s} value={s} label={TRIAGE_LABELS[s]} />
              ))}
            </FormSelect>
          </FormGroup>
          <FormGroup label="Assign to" fieldId="triage-assignee">
            <TextInput
              id="triage-assignee"
              maxLength={200}
              value={assignee}
              isDisabled={unassign}
              onChange={(_e, v) => setAssignee(v)}
              data-testid={T.assignee}
            />
            <FormHelperText>
              <HelperText>
                <HelperTextItem>Empty keeps each finding's assignee.</HelperTextItem>
              </HelperText>
            </FormHelperText>
            <Checkbox id="triage-unassign" label="Unassign instead" isChecked={unassign} onChange={(_e, v) => setUnassign(v)} />
          </FormGroup>
          <FormGroup label="Note" fieldId="triage-note">
            <TextArea
              id="triage-note"
              maxLength={2000}
              value={note}
              onChange={(_e, v) => setNote(v)}
              resizeOrientation="vertical"
              data-testid={T.note}
            />
            <FormHelperText>
              <HelperText>
                <HelperTextItem>Kept in each finding's history and in the audit log.</HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <InlineError error={triage.error} title="Triage failed" />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="triage-form"
          isDisabled={!changes || triage.isPending}
          isLoading={triage.isPending}
          data-testid={T.submit}
        >
          Apply
        </Button>
        <Button variant="link" onClick={() => onClose(false)}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
