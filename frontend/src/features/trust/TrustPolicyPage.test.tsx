import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { TrustPolicyDocument } from '../../api/types';
import { JsonResponse, fakeApi } from '../../test/fakeApi';
import { membership, session } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.trustPolicy;
const R = testIds.trustRule;
const PATH = '/api/v1/tenants/acme/trust-policy';

const PEM = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEabc+def/123=\n-----END PUBLIC KEY-----';

const stored: TrustPolicyDocument = {
  version: 3,
  policy: {
    rules: [
      { name: 'base', images: ['docker.io/library/*'], keys: [{ name: 'docker', pem: PEM + '\n', notAfter: '2027-01-01T00:00:00Z' }] },
    ],
  },
};

function policyApi(put?: (body: unknown) => unknown) {
  let current = stored;
  return fakeApi({
    [`GET ${PATH}`]: () => current,
    [`PUT ${PATH}`]: ({ body }) => {
      const out = put?.(body);
      if (out) return out;
      current = { version: current.version + 1, policy: (body as { policy: TrustPolicyDocument['policy'] }).policy };
      return current;
    },
  });
}

function type(testId: string, value: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

describe('TrustPolicyPage', () => {
  it('adds a rule and saves the whole policy with PUT', async () => {
    const api = policyApi();
    renderApp({ route: '/t/acme/trust-policy', fetch: api.fetch, session: session([membership('security-manager')]) });
    await screen.findByTestId(T.rule('base'), {}, { timeout: 15_000 });
    expect(screen.getByTestId(T.version).textContent).toBe('Version 3');
    expect((screen.getByTestId(T.save) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId(T.unsaved).textContent).toBe('No unsaved changes.');

    fireEvent.click(screen.getByTestId(T.ruleAdd));
    await screen.findByTestId(R.modal);
    // An empty rule is refused with every reason, not a silently disabled button.
    fireEvent.click(screen.getByTestId(R.submit));
    const errors = screen.getByTestId(R.errors).textContent ?? '';
    expect(errors).toContain('Give the rule a name.');
    expect(errors).toContain('Give at least one image pattern');
    expect(errors).toContain('The rule trusts nobody');

    type(R.name, 'shop');
    type(R.images, 'registry.acme.example/shop/*\n\n  registry.acme.example/base/* ');
    fireEvent.click(screen.getByTestId(R.keyAdd));
    type(R.keyName(0), 'release');
    type(R.keyPem(0), 'not a key');
    expect(screen.getByTestId(R.errors).textContent).toContain('Key 1: Not a PEM public key');
    type(R.keyPem(0), PEM);
    type(R.keyExpiry(0), '2027-06-30');
    fireEvent.click(screen.getByTestId(R.provenance));
    fireEvent.click(screen.getByTestId(R.submit));
    await waitFor(() => expect(screen.queryByTestId(R.modal)).toBeNull());

    expect(screen.getByTestId(T.rule('shop')).textContent).toContain('registry.acme.example/base/*');
    expect(screen.getByTestId(T.unsaved).textContent).toContain('Unsaved changes');
    fireEvent.click(screen.getByTestId(T.save));
    await screen.findByTestId(T.saved);
    expect(screen.getByTestId(T.version).textContent).toBe('Version 4');

    const put = api.callsTo('PUT', PATH)[0]!;
    expect(put.headers.get('X-CSRF-Token')).toBe('csrf-123');
    expect(put.body).toEqual({
      policy: {
        rules: [
          stored.policy.rules[0],
          {
            name: 'shop',
            images: ['registry.acme.example/shop/*', 'registry.acme.example/base/*'],
            keys: [{ name: 'release', pem: PEM + '\n', notAfter: '2027-06-30T23:59:59Z' }],
            requireProvenance: true,
          },
        ],
      },
    });
  });

  it('shows the server’s reason when it refuses the policy', async () => {
    const api = policyApi(
      () =>
        new JsonResponse(400, {
          error: {
            code: 'invalid',
            message: 'rule "base": key "docker": public key does not parse: asn1: syntax error',
            request_id: 'r-9',
          },
        }),
    );
    renderApp({ route: '/t/acme/trust-policy', fetch: api.fetch, session: session([membership('admin')]) });
    fireEvent.click(await screen.findByTestId(T.ruleRemove('base'), {}, { timeout: 15_000 }));
    fireEvent.click(within(await screen.findByTestId(testIds.confirm.modal)).getByTestId(testIds.confirm.confirm));
    await waitFor(() => expect(screen.queryByTestId(T.rule('base'))).toBeNull());
    fireEvent.click(screen.getByTestId(T.save));
    const error = await screen.findByTestId(testIds.app.mutationError);
    expect(error.textContent).toContain('rule "base": key "docker": public key does not parse: asn1: syntax error');
    expect(api.callsTo('PUT', PATH)[0]!.body).toEqual({ policy: { rules: [] } });
  });

  it('checks the trusted root is JSON and that keyless identities have one', async () => {
    const api = policyApi();
    renderApp({ route: '/t/acme/trust-policy', fetch: api.fetch, session: session([membership('admin')]) });
    fireEvent.click(await screen.findByTestId(T.ruleEdit('base'), {}, { timeout: 15_000 }));
    fireEvent.click(await screen.findByTestId(R.identityAdd));
    type(R.identityIssuer(0), 'https://token.actions.githubusercontent.com');
    type(R.identitySubject(0), 'https://github.com/acme/.+');
    fireEvent.click(screen.getByTestId(R.submit));
    await waitFor(() => expect(screen.queryByTestId(R.modal)).toBeNull());
    expect(screen.getByTestId(T.problems).textContent).toContain('trusts keyless identities');
    expect((screen.getByTestId(T.save) as HTMLButtonElement).disabled).toBe(true);

    type(T.trustedRoot, '{"mediaType": ');
    expect(screen.getByTestId(T.trustedRootStatus).textContent).toContain('Not valid JSON');
    type(T.trustedRoot, '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}');
    await waitFor(() => expect(screen.queryByTestId(T.problems)).toBeNull());
    fireEvent.click(screen.getByTestId(T.save));
    await waitFor(() => expect(api.callsTo('PUT', PATH)).toHaveLength(1));
    const body = api.callsTo('PUT', PATH)[0]!.body as { policy: TrustPolicyDocument['policy'] };
    expect(body.policy.trustedRoot).toEqual({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' });
    // The stored key's expiry is kept exactly while its date is not changed.
    expect(body.policy.rules[0]!.keys![0]!.notAfter).toBe('2027-01-01T00:00:00Z');
    expect(body.policy.rules[0]!.identities).toEqual([
      { issuer: 'https://token.actions.githubusercontent.com', subjectPattern: 'https://github.com/acme/.+' },
    ]);
  });

  it('is read-only without trust.write', async () => {
    const api = policyApi();
    renderApp({ route: '/t/acme/trust-policy', fetch: api.fetch, session: session([membership('operator')]) });
    const rule = await screen.findByTestId(T.rule('base'), {}, { timeout: 15_000 });
    expect(rule.textContent).toContain('docker.io/library/*');
    expect(rule.textContent).toContain('until 2027-01-01');
    expect(screen.getByTestId(T.readOnly).textContent).toContain('trust.write');
    for (const id of [T.ruleAdd, T.ruleEdit('base'), T.ruleRemove('base'), T.save, T.trustedRoot])
      expect(screen.queryByTestId(id)).toBeNull();
    expect(screen.getByTestId(testIds.app.navItem('trust-policy'))).toBeTruthy();
  });
});
