import { useState } from 'react';
import {
  Alert,
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
  Radio,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import { VEX_JUSTIFICATION_LABELS, VEX_JUSTIFICATIONS, isOneOf } from '../../api/enums';
import { InlineError } from '../../components/InlineError';
import { formatDate, isoDatePlusDays } from '../../lib/format';
import { testIds } from '../../testids';
import { shortDigest } from '../images/imageFilters';
import { useCreateVex } from './api';
import type { AffectedImageGroup } from './affectedImages';
import { MAX_EXPIRY_DAYS, REASON_MAX, emptyVexDraft, hasVexErrors, validateVex, vexInput, type VexDraft } from './vexForm';

const T = testIds.vexForm;

/** Help below a field, or what is wrong with it. */
function Help({ error, field, children }: { error?: string; field: string; children?: string }) {
  if (!error && !children) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant={error ? 'error' : 'default'} data-testid={error ? T.error(field) : undefined}>
          {error ?? children}
        </HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}

/**
 * Declares the vulnerability not affecting every image of the tenant, or one of the affected
 * images, optionally for one package only. Its matches leave the counts until it expires.
 */
export function DeclareNotAffectedModal({
  tenant,
  vulnerability,
  images,
  onClose,
}: {
  tenant: string;
  /** The id the page was opened with: statements match it as an advisory id or an alias. */
  vulnerability: string;
  images: AffectedImageGroup[];
  onClose: () => void;
}) {
  const create = useCreateVex(tenant);
  const [draft, setDraft] = useState<VexDraft>(() => emptyVexDraft());
  // A field shows its error once edited, and every field does after a first attempt.
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const errors = validateVex(draft);
  const shown = (field: keyof typeof errors) => (attempted || touched.has(field) ? errors[field] : undefined);
  const set = (field: string, patch: Partial<VexDraft>) => {
    setTouched((s) => (s.has(field) ? s : new Set(s).add(field)));
    setDraft((d) => ({ ...d, ...patch }));
  };
  const chosen = draft.scope === 'image' ? images.filter((g) => g.digest === draft.digest) : images;
  const packages = [...new Set(chosen.flatMap((g) => g.matches.map((m) => m.package)))].sort();

  const submit = () => {
    setAttempted(true);
    if (!hasVexErrors(errors)) create.mutate(vexInput(vulnerability, draft));
  };

  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby="vex-form-title" data-testid={T.modal}>
      <ModalHeader
        title="Declare not affected"
        labelId="vex-form-title"
        description="A VEX statement says a vulnerability does not affect the images it covers. Their matches leave the counts, the list (unless asked for) and the image.vulnerabilities check until it expires. It is audited."
      />
      <ModalBody>
        {create.isSuccess ? (
          <Alert variant="success" isInline title={`Statement #${create.data.id} recorded`} data-testid={T.done}>
            {create.data.vulnerability} is declared not affecting{' '}
            {create.data.digest ? `image ${shortDigest(create.data.digest)}` : 'every image of this tenant'}
            {create.data.component ? ` (package ${create.data.component})` : ''} until {formatDate(create.data.expires_at)}.
          </Alert>
        ) : (
          <Form
            id="vex-form"
            onSubmit={(e) => {
              e.preventDefault();
              submit();
            }}
          >
            <FormGroup label="Vulnerability" fieldId="vex-form-vulnerability">
              <TextInput id="vex-form-vulnerability" value={vulnerability} readOnlyVariant="default" data-testid={T.vulnerability} />
              <Help field="vulnerability">Matches advisories with this id or alias.</Help>
            </FormGroup>
            <FormGroup role="radiogroup" isStack label="Covers" fieldId="vex-form-scope">
              <Radio
                id="vex-form-scope-all"
                name="vex-form-scope"
                label="Every image of this tenant"
                isChecked={draft.scope === 'all'}
                onChange={() => set('scope', { scope: 'all', component: '' })}
                data-testid={T.scopeAll}
              />
              <Radio
                id="vex-form-scope-image"
                name="vex-form-scope"
                label="One affected image"
                isChecked={draft.scope === 'image'}
                isDisabled={images.length === 0}
                onChange={() => set('scope', { scope: 'image', digest: draft.digest || (images[0]?.digest ?? ''), component: '' })}
                data-testid={T.scopeImage}
              />
            </FormGroup>
            {draft.scope === 'image' && (
              <FormGroup label="Image" isRequired fieldId="vex-form-digest">
                <FormSelect
                  id="vex-form-digest"
                  value={draft.digest}
                  validated={shown('digest') ? 'error' : 'default'}
                  onChange={(_e, v) => set('digest', { digest: v, component: '' })}
                  data-testid={T.digest}
                >
                  <FormSelectOption value="" label="Choose an image" isPlaceholder />
                  {images.map((g) => (
                    <FormSelectOption key={g.digest} value={g.digest} label={`${g.repository}@${shortDigest(g.digest)}`} />
                  ))}
                </FormSelect>
                <Help error={shown('digest')} field="digest" />
              </FormGroup>
            )}
            <FormGroup label="Package" fieldId="vex-form-package">
              <FormSelect
                id="vex-form-package"
                value={draft.component}
                onChange={(_e, v) => set('component', { component: v })}
                data-testid={T.package}
              >
                <FormSelectOption value="" label="Any package" />
                {packages.map((p) => (
                  <FormSelectOption key={p} value={p} label={p} />
                ))}
              </FormSelect>
              <Help field="package">Optional: only this package of the covered images.</Help>
            </FormGroup>
            <FormGroup label="Justification" isRequired fieldId="vex-form-justification">
              <FormSelect
                id="vex-form-justification"
                value={draft.justification}
                validated={shown('justification') ? 'error' : 'default'}
                onChange={(_e, v) => set('justification', { justification: isOneOf(VEX_JUSTIFICATIONS, v) ? v : '' })}
                data-testid={T.justification}
              >
                <FormSelectOption value="" label="Choose a justification" isPlaceholder />
                {VEX_JUSTIFICATIONS.map((j) => (
                  <FormSelectOption key={j} value={j} label={VEX_JUSTIFICATION_LABELS[j]} />
                ))}
              </FormSelect>
              <Help error={shown('justification')} field="justification" />
            </FormGroup>
            <FormGroup label="Reason" isRequired fieldId="vex-form-reason">
              <TextArea
                id="vex-form-reason"
                isRequired
                maxLength={REASON_MAX}
                value={draft.reason}
                validated={shown('reason') ? 'error' : 'default'}
                onChange={(_e, v) => set('reason', { reason: v })}
                resizeOrientation="vertical"
                data-testid={T.reason}
              />
              <Help error={shown('reason')} field="reason">
                The evidence a reviewer can check: how you know the vulnerable code is absent, unreachable or mitigated.
              </Help>
            </FormGroup>
            <FormGroup label="Expires on" isRequired fieldId="vex-form-expiry">
              <TextInput
                id="vex-form-expiry"
                type="date"
                isRequired
                min={isoDatePlusDays(1)}
                max={isoDatePlusDays(MAX_EXPIRY_DAYS)}
                value={draft.expiry}
                validated={shown('expiry') ? 'error' : 'default'}
                onChange={(_e, v) => set('expiry', { expiry: v })}
                data-testid={T.expiry}
              />
              <Help error={shown('expiry')} field="expiry">
                At the end of that day (UTC); at most a year ahead.
              </Help>
            </FormGroup>
            <InlineError error={create.error} title="The statement was not recorded" />
          </Form>
        )}
      </ModalBody>
      <ModalFooter>
        {!create.isSuccess && (
          <Button type="submit" form="vex-form" isDisabled={create.isPending} isLoading={create.isPending} data-testid={T.submit}>
            Declare not affected
          </Button>
        )}
        <Button variant={create.isSuccess ? 'primary' : 'link'} onClick={onClose}>
          {create.isSuccess ? 'Close' : 'Cancel'}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
