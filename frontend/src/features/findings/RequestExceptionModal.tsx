import { useState } from 'react';
import {
  Alert,
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
  Radio,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import { Link } from 'react-router';
import type { Finding, Target } from '../../api/types';
import { InlineError } from '../../components/InlineError';
import { endOfDayUtc, isoDatePlusDays } from '../../lib/format';
import { testIds } from '../../testids';
import { useRequestException } from './api';
import { exceptionScopes } from './exceptionScopes';

const T = testIds.exceptionRequest;

export function RequestExceptionModal({
  tenant,
  findings,
  targets,
  onClose,
}: {
  tenant: string;
  findings: Finding[];
  targets: Target[] | undefined;
  onClose: () => void;
}) {
  const request = useRequestException(tenant);
  const scopes = exceptionScopes(findings, (id) => targets?.find((t) => t.id === id)?.name ?? `target #${id}`);
  const [scopeKey, setScopeKey] = useState(scopes[0]?.key ?? '');
  const [reason, setReason] = useState('');
  const [expiry, setExpiry] = useState(isoDatePlusDays(30));
  const scope = scopes.find((s) => s.key === scopeKey);
  const valid = scope && reason.trim() && expiry >= isoDatePlusDays(1) && expiry <= isoDatePlusDays(365);

  const submit = () => {
    if (!scope || !valid) return;
    request.mutate({ ...scope.input, reason: reason.trim(), expires_at: endOfDayUtc(expiry) });
  };

  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby="exception-title" data-testid={T.modal}>
      <ModalHeader
        title="Request an exception"
        labelId="exception-title"
        description="An exception starts pending; someone who may decide exceptions approves or rejects it. Approved, it removes the findings from the score until it expires."
      />
      <ModalBody>
        {request.isSuccess ? (
          <Alert variant="success" isInline title={`Exception #${request.data.id} requested`} data-testid={T.done}>
            It is pending until approved. <Link to={`/t/${tenant}/exceptions`}>See exceptions</Link>.
          </Alert>
        ) : scopes.length === 0 ? (
          <Alert variant="info" isInline title="Select findings of one check">
            An exception covers one finding, or one check within a target or namespace. The selected findings belong to different checks.
          </Alert>
        ) : (
          <Form
            id="exception-form"
            onSubmit={(e) => {
              e.preventDefault();
              submit();
            }}
          >
            <FormGroup role="radiogroup" isStack label="Covers" fieldId="exception-scope" data-testid={T.scope}>
              {scopes.map((s) => (
                <Radio
                  key={s.key}
                  id={`exception-scope-${s.key}`}
                  name="exception-scope"
                  label={s.label}
                  isChecked={scopeKey === s.key}
                  onChange={() => setScopeKey(s.key)}
                />
              ))}
            </FormGroup>
            <FormGroup label="Reason" isRequired fieldId="exception-reason">
              <TextArea
                id="exception-reason"
                isRequired
                maxLength={2000}
                value={reason}
                onChange={(_e, v) => setReason(v)}
                resizeOrientation="vertical"
                data-testid={T.reason}
              />
              <FormHelperText>
                <HelperText>
                  <HelperTextItem>Why the risk is accepted, and what compensates for it.</HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
            <FormGroup label="Expires on" isRequired fieldId="exception-expiry">
              <TextInput
                id="exception-expiry"
                type="date"
                isRequired
                min={isoDatePlusDays(1)}
                max={isoDatePlusDays(365)}
                value={expiry}
                onChange={(_e, v) => setExpiry(v)}
                data-testid={T.expiry}
              />
              <FormHelperText>
                <HelperText>
                  <HelperTextItem>At the end of that day (UTC); at most a year ahead.</HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
            <InlineError error={request.error} title="Request failed" />
          </Form>
        )}
      </ModalBody>
      <ModalFooter>
        {!request.isSuccess && scopes.length > 0 && (
          <Button
            type="submit"
            form="exception-form"
            isDisabled={!valid || request.isPending}
            isLoading={request.isPending}
            data-testid={T.submit}
          >
            Request exception
          </Button>
        )}
        <Button variant={request.isSuccess ? 'primary' : 'link'} onClick={onClose}>
          {request.isSuccess ? 'Close' : 'Cancel'}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
