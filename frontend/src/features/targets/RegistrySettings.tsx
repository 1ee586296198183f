import {
  Checkbox,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import { testIds } from '../../testids';
import type { CredentialsMode, RegistryDraft, RegistryErrors } from './registryForm';

const T = testIds.targetForm;

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

const MODES: { value: CredentialsMode; label: string }[] = [
  { value: 'keep', label: 'Keep the stored credentials' },
  { value: 'none', label: 'None (anonymous pulls)' },
  { value: 'basic', label: 'User name and password' },
  { value: 'token', label: 'Bearer token' },
  { value: 'docker', label: 'Docker config JSON' },
];

/**
 * A registry target's settings and credentials. `show` says whether a field's error is shown
 * yet (once edited, or after a first attempt to submit); the URL's always is once typed.
 */
export function RegistrySettings({
  draft,
  errors,
  stored,
  show,
  onChange,
}: {
  draft: RegistryDraft;
  errors: RegistryErrors;
  /** The target has sealed credentials (editing). */
  stored: boolean;
  show: (field: keyof RegistryErrors) => boolean;
  onChange: (patch: Partial<RegistryDraft>, field?: keyof RegistryErrors) => void;
}) {
  const err = (f: keyof RegistryErrors) => (show(f) ? errors[f] : undefined);
  const v = (f: keyof RegistryErrors) => (err(f) ? 'error' : 'default');
  return (
    <>
      <FormGroup label="Registry URL" isRequired fieldId="target-url">
        <TextInput
          id="target-url"
          type="url"
          isRequired
          maxLength={4096}
          placeholder="https://registry.example.com"
          value={draft.url}
          validated={v('url')}
          onChange={(_e, val) => onChange({ url: val }, 'url')}
          data-testid={T.url}
        />
        <Help error={err('url')} testId={T.urlStatus}>
          https://host[:port], no path; http:// only for a registry without TLS.
        </Help>
      </FormGroup>
      <FormGroup label="Repositories" fieldId="target-repositories">
        <TextArea
          id="target-repositories"
          rows={3}
          resizeOrientation="vertical"
          value={draft.repositories}
          onChange={(_e, val) => onChange({ repositories: val })}
          data-testid={T.repositories}
        />
        <Help>
          Optional: an explicit list, one per line or comma-separated, for registries that refuse the catalog. Empty: the catalog.
        </Help>
      </FormGroup>
      <FormGroup label="Include" fieldId="target-include">
        <TextArea
          id="target-include"
          rows={2}
          resizeOrientation="vertical"
          value={draft.include}
          onChange={(_e, val) => onChange({ include: val })}
          data-testid={T.include}
        />
        <Help>Optional: only repositories matching these patterns, comma-separated, such as team/*.</Help>
      </FormGroup>
      <FormGroup label="Exclude" fieldId="target-exclude">
        <TextArea
          id="target-exclude"
          rows={2}
          resizeOrientation="vertical"
          value={draft.exclude}
          onChange={(_e, val) => onChange({ exclude: val })}
          data-testid={T.exclude}
        />
        <Help>Optional: skip repositories matching these patterns, such as sandbox/*.</Help>
      </FormGroup>
      <FormGroup fieldId="target-private">
        <Checkbox
          id="target-private"
          label="Private registry"
          description="Anonymous pulls that succeed are a finding."
          isChecked={draft.private}
          onChange={(_e, val) => onChange({ private: val })}
          data-testid={T.private}
        />
      </FormGroup>
      <FormGroup label="CA bundle" fieldId="target-ca-bundle">
        <TextArea
          id="target-ca-bundle"
          rows={3}
          resizeOrientation="vertical"
          className="pal-pre"
          value={draft.caBundle}
          validated={v('caBundle')}
          onChange={(_e, val) => onChange({ caBundle: val }, 'caBundle')}
          data-testid={T.caBundle}
        />
        <Help error={err('caBundle')}>Optional PEM certificates trusted besides the system roots, for a private CA.</Help>
      </FormGroup>
      <FormGroup label="Credentials" fieldId="target-credentials-mode">
        <FormSelect
          id="target-credentials-mode"
          value={draft.mode}
          onChange={(_e, val) => onChange({ mode: val as CredentialsMode })}
          data-testid={T.credentialsMode}
        >
          {MODES.filter((m) => stored || m.value !== 'keep').map((m) => (
            <FormSelectOption
              key={m.value}
              value={m.value}
              label={m.value === 'none' && stored ? 'None: remove the stored credentials' : m.label}
            />
          ))}
        </FormSelect>
        <Help>Sealed at rest on the server and never shown again. Use a pull-only account.</Help>
      </FormGroup>
      {draft.mode === 'basic' && (
        <>
          <FormGroup label="User name" isRequired fieldId="target-username">
            <TextInput
              id="target-username"
              isRequired
              autoComplete="off"
              value={draft.username}
              validated={v('username')}
              onChange={(_e, val) => onChange({ username: val }, 'username')}
              data-testid={T.username}
            />
            <Help error={err('username')} />
          </FormGroup>
          <FormGroup label="Password" isRequired fieldId="target-password">
            <TextInput
              id="target-password"
              type="password"
              isRequired
              autoComplete="new-password"
              value={draft.password}
              validated={v('password')}
              onChange={(_e, val) => onChange({ password: val }, 'password')}
              data-testid={T.password}
            />
            <Help error={err('password')} />
          </FormGroup>
        </>
      )}
      {draft.mode === 'token' && (
        <FormGroup label="Token" isRequired fieldId="target-token">
          <TextInput
            id="target-token"
            type="password"
            isRequired
            autoComplete="new-password"
            value={draft.token}
            validated={v('token')}
            onChange={(_e, val) => onChange({ token: val }, 'token')}
            data-testid={T.token}
          />
          <Help error={err('token')} />
        </FormGroup>
      )}
      {draft.mode === 'docker' && (
        <FormGroup label="Docker config JSON" isRequired fieldId="target-docker-config">
          <TextArea
            id="target-docker-config"
            isRequired
            rows={5}
            resizeOrientation="vertical"
            className="pal-pre"
            value={draft.dockerConfig}
            validated={v('dockerConfig')}
            onChange={(_e, val) => onChange({ dockerConfig: val }, 'dockerConfig')}
            data-testid={T.dockerConfig}
          />
          <Help error={err('dockerConfig')} testId={T.dockerConfigStatus}>
            {'{"auths": {"registry.example.com": {"auth": "…"}}}'}
          </Help>
        </FormGroup>
      )}
    </>
  );
}
