import { useState } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  Flex,
  FlexItem,
  Form,
  FormFieldGroup,
  FormFieldGroupHeader,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  List,
  ListItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import type { TrustRule } from '../../api/types';
import { testIds } from '../../testids';
import {
  draftToRule,
  emptyIdentity,
  emptyKey,
  emptyRule,
  ruleErrorList,
  ruleToDraft,
  validateRule,
  type IdentityDraft,
  type KeyDraft,
  type RuleDraft,
} from './ruleForm';

const T = testIds.trustRule;

/** Help below a field, or what is wrong with it. */
function Help({ error, children, testId }: { error?: string; children?: string; testId?: string }) {
  if (!error && !children) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant={error ? 'error' : 'default'} data-testid={testId}>
          {error ?? children}
        </HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}

/** Adds or edits one rule of the draft policy; nothing is saved until the policy is. */
export function RuleFormModal({
  rule,
  otherNames,
  onApply,
  onClose,
}: {
  rule?: TrustRule;
  otherNames: string[];
  onApply: (r: TrustRule) => void;
  onClose: () => void;
}) {
  const [draft, setDraft] = useState<RuleDraft>(() => (rule ? ruleToDraft(rule) : emptyRule));
  // A field shows its error once it was edited, and every field does after a first attempt.
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const errors = validateRule(draft, otherNames);
  const problems = ruleErrorList(errors);
  const shown = (field: string, message: string | undefined) => (attempted || touched.has(field) ? message : undefined);
  const touch = (field: string) => setTouched((s) => (s.has(field) ? s : new Set(s).add(field)));
  const set = (patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setKey = (i: number, patch: Partial<KeyDraft>) => set({ keys: draft.keys.map((k, j) => (j === i ? { ...k, ...patch } : k)) });
  const setIdentity = (i: number, patch: Partial<IdentityDraft>) =>
    set({ identities: draft.identities.map((k, j) => (j === i ? { ...k, ...patch } : k)) });

  const submit = () => {
    setAttempted(true);
    if (problems.length === 0) onApply(draftToRule(draft));
  };

  return (
    <Modal variant="large" isOpen onClose={onClose} aria-labelledby="trust-rule-title" data-testid={T.modal}>
      <ModalHeader
        title={rule ? `Edit rule ${rule.name}` : 'Add a trust rule'}
        labelId="trust-rule-title"
        description="The first rule whose image pattern matches an image decides whose signatures it needs."
      />
      <ModalBody>
        <Form
          id="trust-rule-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <FormGroup label="Name" isRequired fieldId="trust-rule-name">
            <TextInput
              id="trust-rule-name"
              isRequired
              maxLength={200}
              value={draft.name}
              validated={shown('name', errors.name) ? 'error' : 'default'}
              onChange={(_e, v) => {
                touch('name');
                set({ name: v });
              }}
              data-testid={T.name}
            />
            <Help error={shown('name', errors.name)} />
          </FormGroup>
          <FormGroup label="Image patterns" isRequired fieldId="trust-rule-images">
            <TextArea
              id="trust-rule-images"
              isRequired
              rows={3}
              resizeOrientation="vertical"
              value={draft.images}
              validated={shown('images', errors.images) ? 'error' : 'default'}
              onChange={(_e, v) => {
                touch('images');
                set({ images: v });
              }}
              data-testid={T.images}
            />
            <Help error={shown('images', errors.images)}>
              One per line, on registry/repository: registry.example.com/team/* or */*. A * does not cross a /.
            </Help>
          </FormGroup>

          <FormFieldGroup
            header={
              <FormFieldGroupHeader
                titleText={{ text: 'Trusted keys', id: 'trust-keys-title' }}
                titleDescription="Cosign public keys (ECDSA P-256/P-384, RSA of 2048 bits or more, Ed25519)."
                actions={
                  <Button variant="secondary" size="sm" onClick={() => set({ keys: [...draft.keys, emptyKey] })} data-testid={T.keyAdd}>
                    Add key
                  </Button>
                }
              />
            }
          >
            {draft.keys.map((k, i) => {
              const ke = errors.keys[i] ?? {};
              return (
                <div key={i} className="pal-mb">
                  <Flex alignItems={{ default: 'alignItemsFlexEnd' }}>
                    <FlexItem grow={{ default: 'grow' }}>
                      <FormGroup label={`Key ${i + 1} name`} isRequired fieldId={`trust-key-name-${i}`}>
                        <TextInput
                          id={`trust-key-name-${i}`}
                          isRequired
                          maxLength={200}
                          value={k.name}
                          validated={shown(`key-name-${i}`, ke.name) ? 'error' : 'default'}
                          onChange={(_e, v) => {
                            touch(`key-name-${i}`);
                            setKey(i, { name: v });
                          }}
                          data-testid={T.keyName(i)}
                        />
                        <Help error={shown(`key-name-${i}`, ke.name)} />
                      </FormGroup>
                    </FlexItem>
                    <FlexItem>
                      <FormGroup label="Trusted until" fieldId={`trust-key-expiry-${i}`}>
                        <TextInput
                          id={`trust-key-expiry-${i}`}
                          type="date"
                          value={k.expiry}
                          validated={shown(`key-expiry-${i}`, ke.expiry) ? 'error' : 'default'}
                          onChange={(_e, v) => {
                            touch(`key-expiry-${i}`);
                            setKey(i, { expiry: v });
                          }}
                          data-testid={T.keyExpiry(i)}
                        />
                        <Help error={shown(`key-expiry-${i}`, ke.expiry)}>Optional; empty: no expiry.</Help>
                      </FormGroup>
                    </FlexItem>
                    <FlexItem>
                      <Button
                        variant="link"
                        isDanger
                        onClick={() => set({ keys: draft.keys.filter((_k, j) => j !== i) })}
                        data-testid={T.keyRemove(i)}
                        aria-label={`Remove key ${i + 1}`}
                      >
                        Remove
                      </Button>
                    </FlexItem>
                  </Flex>
                  <FormGroup label={`Key ${i + 1} public key (PEM)`} isRequired fieldId={`trust-key-pem-${i}`}>
                    <TextArea
                      id={`trust-key-pem-${i}`}
                      isRequired
                      rows={4}
                      resizeOrientation="vertical"
                      className="pal-pre"
                      value={k.pem}
                      placeholder={'-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----'}
                      validated={shown(`key-pem-${i}`, ke.pem) ? 'error' : 'default'}
                      onChange={(_e, v) => {
                        touch(`key-pem-${i}`);
                        setKey(i, { pem: v });
                      }}
                      data-testid={T.keyPem(i)}
                    />
                    <Help error={shown(`key-pem-${i}`, ke.pem)} />
                  </FormGroup>
                </div>
              );
            })}
          </FormFieldGroup>

          <FormFieldGroup
            header={
              <FormFieldGroupHeader
                titleText={{ text: 'Keyless identities', id: 'trust-identities-title' }}
                titleDescription="Sigstore certificates: the issuer is compared exactly; the subject pattern must match the whole subject. They need the policy's trusted root."
                actions={
                  <Button
                    variant="secondary"
                    size="sm"
                    onClick={() => set({ identities: [...draft.identities, emptyIdentity] })}
                    data-testid={T.identityAdd}
                  >
                    Add identity
                  </Button>
                }
              />
            }
          >
            {draft.identities.map((id, i) => {
              const ie = errors.identities[i] ?? {};
              return (
                <Flex key={i} alignItems={{ default: 'alignItemsFlexStart' }} className="pal-mb">
                  <FlexItem grow={{ default: 'grow' }}>
                    <FormGroup label={`Identity ${i + 1} issuer`} isRequired fieldId={`trust-identity-issuer-${i}`}>
                      <TextInput
                        id={`trust-identity-issuer-${i}`}
                        isRequired
                        maxLength={1024}
                        value={id.issuer}
                        placeholder="https://token.actions.githubusercontent.com"
                        validated={shown(`issuer-${i}`, ie.issuer) ? 'error' : 'default'}
                        onChange={(_e, v) => {
                          touch(`issuer-${i}`);
                          setIdentity(i, { issuer: v });
                        }}
                        data-testid={T.identityIssuer(i)}
                      />
                      <Help error={shown(`issuer-${i}`, ie.issuer)} />
                    </FormGroup>
                  </FlexItem>
                  <FlexItem grow={{ default: 'grow' }}>
                    <FormGroup label={`Identity ${i + 1} subject pattern`} isRequired fieldId={`trust-identity-subject-${i}`}>
                      <TextInput
                        id={`trust-identity-subject-${i}`}
                        isRequired
                        maxLength={1024}
                        value={id.subjectPattern}
                        placeholder="https://github.com/acme/.+/\.github/workflows/release\.yml@refs/tags/.+"
                        validated={shown(`subject-${i}`, ie.subjectPattern) ? 'error' : 'default'}
                        onChange={(_e, v) => {
                          touch(`subject-${i}`);
                          setIdentity(i, { subjectPattern: v });
                        }}
                        data-testid={T.identitySubject(i)}
                      />
                      <Help error={shown(`subject-${i}`, ie.subjectPattern)}>A regular expression, anchored at both ends.</Help>
                    </FormGroup>
                  </FlexItem>
                  <FlexItem className="pal-mt">
                    <Button
                      variant="link"
                      isDanger
                      onClick={() => set({ identities: draft.identities.filter((_k, j) => j !== i) })}
                      data-testid={T.identityRemove(i)}
                      aria-label={`Remove identity ${i + 1}`}
                    >
                      Remove
                    </Button>
                  </FlexItem>
                </Flex>
              );
            })}
          </FormFieldGroup>
          {(attempted || touched.size > 0) && errors.trusts && (
            <HelperText>
              <HelperTextItem variant="error">{errors.trusts}</HelperTextItem>
            </HelperText>
          )}

          <FormGroup fieldId="trust-rule-provenance">
            <Checkbox
              id="trust-rule-provenance"
              label="Require provenance"
              description="Also require a verified SLSA provenance attestation from a trusted signer."
              isChecked={draft.requireProvenance}
              onChange={(_e, v) => set({ requireProvenance: v })}
              data-testid={T.provenance}
            />
          </FormGroup>
          {attempted && problems.length > 0 && (
            <Alert
              variant="danger"
              isInline
              title={`Fix ${problems.length === 1 ? 'this' : `these ${problems.length}`} first`}
              data-testid={T.errors}
            >
              <List>
                {problems.map((p) => (
                  <ListItem key={p}>{p}</ListItem>
                ))}
              </List>
            </Alert>
          )}
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form="trust-rule-form" data-testid={T.submit}>
          {rule ? 'Apply changes' : 'Add rule'}
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
