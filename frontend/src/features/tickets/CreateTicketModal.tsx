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
  TextInput,
} from '@patternfly/react-core';
import { useNavigate } from 'react-router';
import type { TicketInput } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { testIds } from '../../testids';
import { useCreateTicket } from './api';

const T = testIds.createTicket;

/** The request: empty title and assignee are left out (the server names the ticket after the findings). */
export function ticketInput(ids: number[], title: string, assignee: string): TicketInput {
  const body: TicketInput = { finding_ids: ids };
  if (title.trim()) body.title = title.trim();
  if (assignee.trim()) body.assignee = assignee.trim();
  return body;
}

/** Opens a ticket for the selected findings, then goes to it. A finding already tracked is a 409 naming that ticket. */
export function CreateTicketModal({ tenant, ids, onClose }: { tenant: string; ids: number[]; onClose: () => void }) {
  const create = useCreateTicket(tenant);
  const navigate = useNavigate();
  const [title, setTitle] = useState('');
  const [assignee, setAssignee] = useState('');

  const submit = () => create.mutate(ticketInput(ids, title, assignee), { onSuccess: (t) => navigate(`/t/${tenant}/tickets/${t.id}`) });

  return (
    <Modal variant="small" isOpen onClose={onClose} aria-labelledby="create-ticket-title" data-testid={T.modal}>
      <ModalHeader title={`Create a ticket for ${ids.length} finding${ids.length === 1 ? '' : 's'}`} labelId="create-ticket-title" />
      <ModalBody>
        <Form
          id="create-ticket-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <FormGroup label="Title" fieldId="create-ticket-title-input">
            <TextInput
              id="create-ticket-title-input"
              maxLength={200}
              value={title}
              onChange={(_e, v) => setTitle(v)}
              data-testid={T.title}
            />
            <FormHelperText>
              <HelperText>
                <HelperTextItem>Optional; empty names the ticket after its findings.</HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <FormGroup label="Assignee" fieldId="create-ticket-assignee">
            <TextInput
              id="create-ticket-assignee"
              maxLength={200}
              value={assignee}
              onChange={(_e, v) => setAssignee(v)}
              data-testid={T.assignee}
            />
          </FormGroup>
          <InlineError error={create.error} title="The ticket was not created" />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form="create-ticket-form" isDisabled={create.isPending} isLoading={create.isPending} data-testid={T.submit}>
          Create ticket
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
