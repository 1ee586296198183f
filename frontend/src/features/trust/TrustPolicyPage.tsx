import { useState } from 'react';
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  CodeBlock,
  CodeBlockCode,
  Flex,
  FlexItem,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Label,
  List,
  ListItem,
  PageSection,
  TextArea,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { TrustPolicyDocument, TrustRule } from '../../api/types';
import { useCan, useTenant } from '../../auth/permissions';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyMessage } from '../../components/EmptyMessage';
import { InlineError } from '../../components/InlineError';
import { PageHeader, usePageTitle } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { formatDate } from '../../lib/format';
import { testIds } from '../../testids';
import { useSaveTrustPolicy, useTrustPolicy } from './api';
import { buildPolicy, parseTrustedRoot, policyProblems } from './ruleForm';
import { RuleFormModal } from './RuleFormModal';

const T = testIds.trustPolicy;

export function TrustPolicyPage() {
  const tenant = useTenant();
  usePageTitle('Trust policy', tenant.name);
  const doc = useTrustPolicy(tenant.slug);
  // Above the editor, so that "saved" outlives the editor's restart on the new version.
  const save = useSaveTrustPolicy(tenant.slug);
  return (
    <div data-testid={T.page}>
      <PageHeader
        title="Image trust policy"
        description="Which keys or keyless identities must sign which images. The first rule whose pattern matches an image decides; an image no rule covers is not judged. Images are judged under a saved policy from their next collection."
      />
      <PageSection>
        <QueryState query={doc} what="the trust policy">
          {/* A new version (saved here or elsewhere) starts the draft again from it. */}
          {(d) => <PolicyEditor key={d.version} doc={d} save={save} />}
        </QueryState>
      </PageSection>
    </div>
  );
}

function rootText(doc: TrustPolicyDocument): string {
  const r = doc.policy.trustedRoot;
  return r && Object.keys(r).length ? JSON.stringify(r, null, 2) : '';
}

function PolicyEditor({ doc, save }: { doc: TrustPolicyDocument; save: ReturnType<typeof useSaveTrustPolicy> }) {
  const tenant = useTenant();
  const can = useCan();
  const editable = can('trust.write');
  const [rules, setRules] = useState<TrustRule[]>(doc.policy.rules);
  const [root, setRoot] = useState(() => rootText(doc));
  const [editing, setEditing] = useState<{ index?: number } | null>(null);
  const [removing, setRemoving] = useState<number | null>(null);
  const parsedRoot = parseTrustedRoot(root);
  const problems = policyProblems(rules, parsedRoot);
  const dirty = JSON.stringify(rules) !== JSON.stringify(doc.policy.rules) || root.trim() !== rootText(doc).trim();

  const move = (i: number, by: -1 | 1) =>
    setRules((rs) => {
      const next = [...rs];
      const [r] = next.splice(i, 1);
      next.splice(i + by, 0, r!);
      return next;
    });

  const submit = () => {
    if (problems.length || !dirty || !parsedRoot.ok) return;
    save.mutate(buildPolicy(rules, parsedRoot.value));
  };

  return (
    <>
      <Flex alignItems={{ default: 'alignItemsCenter' }} className="pal-mb">
        <FlexItem>
          <span data-testid={T.version}>{doc.version === 0 ? 'No policy saved yet (version 0)' : `Version ${doc.version}`}</span>
        </FlexItem>
        {save.isSuccess && save.data.version === doc.version && !dirty && (
          <FlexItem>
            <Label color="green" isCompact data-testid={T.saved}>
              saved
            </Label>
          </FlexItem>
        )}
        {!editable && (
          <FlexItem>
            <span className="pal-muted pal-small" data-testid={T.readOnly}>
              Read-only: your role ({tenant.role}) may view the policy; changing it needs <code>trust.write</code>.
            </span>
          </FlexItem>
        )}
      </Flex>
      <Card isCompact data-testid={T.rules}>
        <CardTitle component="h2">
          <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }}>
            <FlexItem>Rules, in order</FlexItem>
            {editable && (
              <FlexItem>
                <Button variant="secondary" size="sm" onClick={() => setEditing({})} data-testid={T.ruleAdd}>
                  Add rule
                </Button>
              </FlexItem>
            )}
          </Flex>
        </CardTitle>
        <CardBody>
          {rules.length === 0 ? (
            <EmptyMessage title="No rules">
              No image is judged: every image reads “Not judged”.{editable ? ' Add a rule to require signatures.' : ''}
            </EmptyMessage>
          ) : (
            <Table aria-label="Trust rules" variant="compact" className="pal-table">
              <Thead>
                <Tr>
                  <Th>#</Th>
                  <Th>Name</Th>
                  <Th>Images</Th>
                  <Th>Keys</Th>
                  <Th>Keyless identities</Th>
                  <Th>Provenance</Th>
                  {editable && <Th screenReaderText="Actions" />}
                </Tr>
              </Thead>
              <Tbody>
                {rules.map((r, i) => (
                  <Tr key={`${i}-${r.name}`} data-testid={T.rule(r.name)}>
                    <Td dataLabel="#">{i + 1}</Td>
                    <Td dataLabel="Name" className="pal-strong pal-break">
                      {r.name}
                    </Td>
                    <Td dataLabel="Images">
                      <List isPlain className="pal-small">
                        {r.images.map((p) => (
                          <ListItem key={p}>
                            <code className="pal-break">{p}</code>
                          </ListItem>
                        ))}
                      </List>
                    </Td>
                    <Td dataLabel="Keys" className="pal-small">
                      {r.keys?.length ? (
                        <List isPlain>
                          {r.keys.map((k) => (
                            <ListItem key={k.name}>
                              {k.name}
                              {k.notAfter && <span className="pal-muted"> (until {formatDate(k.notAfter)})</span>}
                            </ListItem>
                          ))}
                        </List>
                      ) : (
                        <span className="pal-muted">none</span>
                      )}
                    </Td>
                    <Td dataLabel="Keyless identities" className="pal-small">
                      {r.identities?.length ? (
                        <List isPlain>
                          {r.identities.map((id, n) => (
                            <ListItem key={n} className="pal-break">
                              {id.issuer} · <code>{id.subjectPattern}</code>
                            </ListItem>
                          ))}
                        </List>
                      ) : (
                        <span className="pal-muted">none</span>
                      )}
                    </Td>
                    <Td dataLabel="Provenance">{r.requireProvenance ? 'required' : <span className="pal-muted">not required</span>}</Td>
                    {editable && (
                      <Td isActionCell>
                        <Flex gap={{ default: 'gapXs' }} flexWrap={{ default: 'nowrap' }}>
                          <Button
                            variant="plain"
                            size="sm"
                            isDisabled={i === 0}
                            onClick={() => move(i, -1)}
                            aria-label={`Move ${r.name} up`}
                          >
                            ↑
                          </Button>
                          <Button
                            variant="plain"
                            size="sm"
                            isDisabled={i === rules.length - 1}
                            onClick={() => move(i, 1)}
                            aria-label={`Move ${r.name} down`}
                          >
                            ↓
                          </Button>
                          <Button
                            variant="secondary"
                            size="sm"
                            onClick={() => setEditing({ index: i })}
                            data-testid={T.ruleEdit(r.name)}
                            aria-label={`Edit: ${r.name}`}
                          >
                            Edit
                          </Button>
                          <Button
                            variant="link"
                            isDanger
                            size="sm"
                            onClick={() => setRemoving(i)}
                            data-testid={T.ruleRemove(r.name)}
                            aria-label={`Remove: ${r.name}`}
                          >
                            Remove
                          </Button>
                        </Flex>
                      </Td>
                    )}
                  </Tr>
                ))}
              </Tbody>
            </Table>
          )}
        </CardBody>
      </Card>
      <Card isCompact className="pal-mt">
        <CardTitle component="h2">Trusted root</CardTitle>
        <CardBody>
          {editable ? (
            <FormGroup label="Sigstore trusted_root.json" fieldId="trust-root">
              <TextArea
                id="trust-root"
                rows={6}
                resizeOrientation="vertical"
                className="pal-pre"
                value={root}
                validated={parsedRoot.ok ? 'default' : 'error'}
                onChange={(_e, v) => setRoot(v)}
                data-testid={T.trustedRoot}
              />
              <FormHelperText>
                <HelperText>
                  <HelperTextItem variant={parsedRoot.ok ? 'default' : 'error'} data-testid={T.trustedRootStatus}>
                    {parsedRoot.ok
                      ? 'Optional. Needed for keyless identities: verification is offline, against the certificate authorities and logs it lists.'
                      : parsedRoot.error}
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
          ) : root ? (
            <CodeBlock>
              <CodeBlockCode className="pal-pre">{root}</CodeBlockCode>
            </CodeBlock>
          ) : (
            <span className="pal-muted">None: keyless identities cannot be verified.</span>
          )}
        </CardBody>
      </Card>
      {editable && (
        <div className="pal-mt">
          {problems.length > 0 && (
            <Alert variant="danger" isInline title="The policy cannot be saved yet" data-testid={T.problems} className="pal-mb">
              <List>
                {problems.map((p) => (
                  <ListItem key={p}>{p}</ListItem>
                ))}
              </List>
            </Alert>
          )}
          <InlineError error={save.error} title="The server refused the policy" />
          <Flex alignItems={{ default: 'alignItemsCenter' }} className="pal-mt-sm">
            <FlexItem>
              <Button
                onClick={submit}
                isDisabled={!dirty || problems.length > 0 || save.isPending}
                isLoading={save.isPending}
                data-testid={T.save}
              >
                Save policy
              </Button>
            </FlexItem>
            <FlexItem>
              <Button
                variant="link"
                isDisabled={!dirty || save.isPending}
                onClick={() => {
                  setRules(doc.policy.rules);
                  setRoot(rootText(doc));
                  save.reset();
                }}
                data-testid={T.discard}
              >
                Discard changes
              </Button>
            </FlexItem>
            <FlexItem className="pal-small pal-muted" data-testid={T.unsaved} aria-live="polite">
              {!dirty
                ? 'No unsaved changes.'
                : problems.length
                  ? 'Unsaved changes: fix the problems above to save.'
                  : 'Unsaved changes: Save replaces the policy.'}
            </FlexItem>
          </Flex>
        </div>
      )}
      {editing && (
        <RuleFormModal
          rule={editing.index !== undefined ? rules[editing.index] : undefined}
          otherNames={rules.filter((_r, i) => i !== editing.index).map((r) => r.name)}
          onClose={() => setEditing(null)}
          onApply={(r) => {
            setRules((rs) => (editing.index !== undefined ? rs.map((x, i) => (i === editing.index ? r : x)) : [...rs, r]));
            setEditing(null);
          }}
        />
      )}
      <ConfirmModal
        isOpen={removing !== null}
        title={`Remove rule ${removing !== null ? (rules[removing]?.name ?? '') : ''}?`}
        confirmLabel="Remove rule"
        onClose={() => setRemoving(null)}
        onConfirm={() => {
          setRules((rs) => rs.filter((_r, i) => i !== removing));
          setRemoving(null);
        }}
      >
        The rule leaves the draft; the policy changes when you save it. Images it covered fall to the next matching rule, or are no longer
        judged.
      </ConfirmModal>
    </>
  );
}
