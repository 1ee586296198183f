import { useState } from 'react';
import { FormGroup, FormHelperText, HelperText, HelperTextItem } from '@patternfly/react-core';
import { testIds } from '../../testids';

/** The spec's limit for credentials (TargetInput.credentials maxLength). */
export const MAX_CREDENTIALS = 1_048_576;

/**
 * Reads a kubeconfig file as text for `credentials`. The contents are never shown: they are
 * a secret, sealed by the server and never returned.
 */
export function KubeconfigInput({ required, onChange }: { required: boolean; onChange: (text: string | undefined) => void }) {
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const read = async (file: File | undefined) => {
    if (!file) {
      setStatus(null);
      onChange(undefined);
      return;
    }
    if (file.size > MAX_CREDENTIALS) {
      setStatus({ ok: false, text: `${file.name} is ${Math.ceil(file.size / 1024)} KB; the limit is 1 MB.` });
      onChange(undefined);
      return;
    }
    const text = await file.text();
    const looksRight = /apiVersion|clusters\s*:/.test(text);
    setStatus({
      ok: looksRight,
      text: looksRight ? `${file.name} loaded (${Math.ceil(file.size / 1024)} KB)` : `${file.name} does not look like a kubeconfig`,
    });
    onChange(looksRight ? text : undefined);
  };
  return (
    <FormGroup label="Kubeconfig" isRequired={required} fieldId="target-kubeconfig">
      <input
        id="target-kubeconfig"
        type="file"
        accept=".yaml,.yml,.conf,.config,.kubeconfig,text/yaml,text/plain"
        required={required}
        onChange={(e) => void read(e.target.files?.[0])}
        data-testid={testIds.targetForm.kubeconfig}
        className="pal-file"
      />
      <FormHelperText>
        <HelperText>
          <HelperTextItem
            variant={status ? (status.ok ? 'success' : 'error') : 'default'}
            data-testid={testIds.targetForm.kubeconfigStatus}
          >
            {status?.text ??
              (required
                ? 'Sealed at rest on the server and never shown again. Use a read-only service account (deploy/ has the RBAC).'
                : 'Leave empty to keep the stored credentials.')}
          </HelperTextItem>
        </HelperText>
      </FormHelperText>
    </FormGroup>
  );
}
