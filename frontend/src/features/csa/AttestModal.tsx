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
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import type { Recommendation } from '../../api/types';
import { useSession } from '../../auth/session';
import { InlineError } from '../../components/InlineError';
import { endOfDayUtc, isoDatePlusDays } from '../../lib/format';
import { testIds } from '../../testids';
import { useAttest } from './api';

const T = testIds.attest;

export function AttestModal({
  tenant,
  recommendation: r,
  onClose,
}: {
  tenant: string;
  recommendation: Recommendation;
  onClose: () => void;
}) {
  const session = useSession();
  const attest = useAttest(tenant);
  const [statement, setStatement] = useState('');
  const [evidenceUrl, setEvidenceUrl] = useState('');
  const [owner, setOwner] = useState(session.user.name || session.user.email);
  const [expiry, setExpiry] = useState(isoDatePlusDays(90));
  const urlOk = evidenceUrl === '' || /^https?:\/\/\S+$/i.test(evidenceUrl);
  const valid = statement.trim() && owner.trim() && urlOk && expiry >= isoDatePlusDays(1);

  const submit = () => {
    if (!valid) return;
    attest.mutate(
      {
        csa_id: r.id,
        statement: statement.trim(),
        owner: owner.trim(),
        expires_at: endOfDayUtc(expiry),
        ...(evidenceUrl ? { evidence_url: evidenceUrl } : {}),
      },
      { onSuccess: onClose },
    );
  };

  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby="attest-title" data-testid={T.modal}>
      <ModalHeader
        title={`Attest ${r.id}`}
        labelId="attest-title"
        description={`${r.title}. Until it expires or is revoked, it counts as a pass for this recommendation in the score, from the next complete run of each target.`}
      />
      <ModalBody>
        <Form
          id="attest-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <FormGroup label="Statement" isRequired fieldId="attest-statement">
            <TextArea
              id="attest-statement"
              isRequired
              maxLength={4000}
              value={statement}
              onChange={(_e, v) => setStatement(v)}
              resizeOrientation="vertical"
              data-testid={T.statement}
            />
            <FormHelperText>
              <HelperText>
                <HelperTextItem>How the recommendation is met, in words an auditor can check.</HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <FormGroup label="Evidence URL" fieldId="attest-evidence">
            <TextInput
              id="attest-evidence"
              type="url"
              maxLength={2048}
              value={evidenceUrl}
              validated={urlOk ? 'default' : 'error'}
              onChange={(_e, v) => setEvidenceUrl(v.trim())}
              data-testid={T.evidenceUrl}
            />
            <FormHelperText>
              <HelperText>
                <HelperTextItem variant={urlOk ? 'default' : 'error'}>
                  {urlOk ? 'Optional: a document, ticket or runbook (http or https).' : 'Use an http:// or https:// address.'}
                </HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <FormGroup label="Owner" isRequired fieldId="attest-owner">
            <TextInput id="attest-owner" isRequired maxLength={200} value={owner} onChange={(_e, v) => setOwner(v)} data-testid={T.owner} />
          </FormGroup>
          <FormGroup label="Expires on" isRequired fieldId="attest-expiry">
            <TextInput
              id="attest-expiry"
              type="date"
              isRequired
              min={isoDatePlusDays(1)}
              value={expiry}
              onChange={(_e, v) => setExpiry(v)}
              data-testid={T.expiry}
            />
          </FormGroup>
          <InlineError error={attest.error} title="Attestation failed" />
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="attest-form"
          isDisabled={!valid || attest.isPending}
          isLoading={attest.isPending}
          data-testid={T.submit}
        >
          Record attestation
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
