import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ImageDetail } from '../../api/types';
import { JsonResponse, fakeApi } from '../../test/fakeApi';
import { digestOf, imageSummary, membership, session } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.image;
const DIGEST = digestOf(7);
const PATH = `/api/v1/tenants/acme/images/${encodeURIComponent(DIGEST)}`;

function detail(over: Partial<ImageDetail> = {}): ImageDetail {
  return {
    ...imageSummary(7, { signed: false, trust_rule: 'shop', trust_reasons: ['signed by a key the rule does not trust'] }),
    media_type: 'application/vnd.oci.image.index.v1+json',
    variants: [
      {
        digest: digestOf(8),
        platform: 'linux/amd64',
        created: '2026-11-01T00:00:00Z',
        size: 1024,
        layers: 4,
        user: '',
        exposed_ports: ['8080/tcp'],
        env_names: ['PATH', 'DB_PASSWORD'],
        secret_env: ['DB_PASSWORD'],
        labels: { 'org.opencontainers.image.version': '1.7' },
        shell: '/bin/sh',
        package_managers: ['apk'],
        base_image: 'alpine:3.20',
      },
    ],
    verifications: [
      {
        format: 'cosign',
        source: 'registry.acme.example/shop/app-7:sha256-7777.sig',
        attestation: false,
        verified: false,
        identity: '',
        reason: 'signed by a key the rule does not trust',
      },
      {
        format: 'sigstore-bundle',
        source: 'referrers',
        attestation: true,
        predicate_type: 'https://slsa.dev/provenance/v1',
        verified: true,
        identity: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.7',
        reason: 'verified against the trusted root',
      },
    ],
    problems: ['the referrers API answered 500'],
    usages: [
      {
        target_id: 3,
        target_name: 'prod',
        namespace: 'shop',
        workload: 'apps/Deployment/shop/web',
        container: 'web',
        image: 'registry.acme.example/shop/app-7:1.7',
        seen_at: '2026-11-22T10:00:00Z',
      },
    ],
    ...over,
  };
}

describe('ImageDetailPage', () => {
  it('shows the trust verdicts, marks secret-looking variables and lists where the image runs', async () => {
    const api = fakeApi({ [`GET ${PATH}`]: () => detail() });
    renderApp({ route: `/t/acme/images/${DIGEST}`, fetch: api.fetch, session: session([membership('viewer')]) });
    const trust = await screen.findByTestId(T.trust, {}, { timeout: 15_000 });
    expect(screen.getByTestId(T.title).textContent).toBe('registry.acme.example/shop/app-7');
    expect(trust.textContent).toContain('Untrusted: signed by a key the rule does not trust');
    expect(trust.textContent).toContain('under rule shop');
    const sig = screen.getByTestId(T.verification(0));
    expect(sig.textContent).toContain('not verified');
    expect(sig.textContent).toContain('cosign');
    const att = screen.getByTestId(T.verification(1));
    expect(att.textContent).toContain('verified');
    expect(att.textContent).toContain('https://slsa.dev/provenance/v1');
    expect(att.textContent).toContain('release.yml@refs/tags/v1.7');
    expect(screen.getByTestId(T.problems).textContent).toContain('the referrers API answered 500');

    const variant = screen.getByTestId(T.variant(digestOf(8)));
    expect(screen.getByTestId(T.secretEnv(`${digestOf(8)}-DB_PASSWORD`)).textContent).toBe('secret-looking value (redacted)');
    expect(screen.queryByTestId(T.secretEnv(`${digestOf(8)}-PATH`))).toBeNull();
    expect(variant.textContent).toContain('8080/tcp');
    expect(variant.textContent).toContain('alpine:3.20');
    expect(variant.textContent).toContain('root');

    const usage = screen.getByTestId(T.usage(0));
    expect(usage.textContent).toContain('prod');
    expect(usage.textContent).toContain('apps/Deployment/shop/web');
    expect(within(usage).getByTestId(T.usageFindings(0)).getAttribute('href')).toBe(
      '/t/acme/findings?target=3&q=apps%2FDeployment%2Fshop%2Fweb',
    );
    expect(screen.getByTestId(T.findings).getAttribute('href')).toBe(`/t/acme/findings?q=${encodeURIComponent(DIGEST)}`);
  });

  it('says when the tenant has no such image', async () => {
    const api = fakeApi({
      [`GET ${PATH}`]: () => new JsonResponse(404, { error: { code: 'not_found', message: 'no such image', request_id: 'r1' } }),
    });
    renderApp({ route: `/t/acme/images/${DIGEST}`, fetch: api.fetch, session: session([membership('viewer')]) });
    expect((await screen.findByTestId(T.notFound, {}, { timeout: 15_000 })).textContent).toContain('No such image in this tenant');
  });

  it('does not ask the API about something that is not a digest', async () => {
    const api = fakeApi({});
    renderApp({ route: '/t/acme/images/latest', fetch: api.fetch, session: session([membership('viewer')]) });
    await screen.findByTestId(T.notFound, {}, { timeout: 15_000 });
    expect(api.calls.filter((c) => c.path.includes('/images'))).toHaveLength(0);
  });
});
