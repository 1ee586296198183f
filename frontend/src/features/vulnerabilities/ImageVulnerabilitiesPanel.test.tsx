import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ImageDetail, VulnerabilityCounts } from '../../api/types';
import { fakeApi } from '../../test/fakeApi';
import { digestOf, hoursAgo, imageSummary, membership, session } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { testIds } from '../../testids';

const T = testIds.image;
const DIGEST = digestOf(7);
const PATH = `/api/v1/tenants/acme/images/${encodeURIComponent(DIGEST)}`;

const noVulns: VulnerabilityCounts = {
  critical: 0,
  high: 0,
  medium: 0,
  low: 0,
  unknown: 0,
  fixable_critical: 0,
  fixable_high: 0,
  not_affected: 0,
};

function image(over: Partial<ImageDetail>): ImageDetail {
  return {
    ...imageSummary(7),
    media_type: 'application/vnd.oci.image.manifest.v1+json',
    variants: [],
    verifications: [],
    problems: [],
    usages: [],
    ...over,
  };
}

async function renderImage(detail: ImageDetail) {
  const api = fakeApi({ [`GET ${PATH}`]: () => detail });
  renderApp({ route: `/t/acme/images/${DIGEST}`, fetch: api.fetch, session: session([membership('viewer')]) });
  return screen.findByTestId(T.vulnerabilities, {}, { timeout: 15_000 });
}

describe('the image Vulnerabilities panel', () => {
  it('says vulnerabilities are not available when the server leaves them out', async () => {
    await renderImage(image({}));
    expect(screen.getByTestId(T.vulnerabilitiesUnavailable).textContent).toContain('not available from this server');
    expect(screen.queryByTestId(T.neverScanned)).toBeNull();
  });

  it('says "never scanned" when the image has no SBOM, with no counts and no download', async () => {
    const panel = await renderImage(image({ sbom: null, vulnerabilities: noVulns }));
    expect(screen.getByTestId(T.neverScanned).textContent).toContain('Never scanned');
    expect(panel.textContent).toContain('unknown, not zero');
    expect(screen.queryByTestId(T.sbomDownload)).toBeNull();
    expect(screen.queryByTestId(T.vulnSummary)).toBeNull();
  });

  it('shows a partial SBOM, its source in words, the counts with fixable ones, the list links and the download', async () => {
    await renderImage(
      image({
        sbom: {
          source: 'extractor',
          format: 'palisade-layers',
          origin: `layers of ${DIGEST} (linux/amd64)`,
          observed_at: hoursAgo(3),
          distro: 'debian 12',
          components: 214,
          problems: ['layer 3 is larger than 512 MB and was not read'],
        },
        vulnerabilities: { ...noVulns, critical: 2, fixable_critical: 1, high: 3, fixable_high: 3, medium: 4, unknown: 1, not_affected: 2 },
        advisory_feeds: [
          { ecosystem: 'Debian:12', configured: true, refreshed_at: hoursAgo(1), feed_date: hoursAgo(10), error: '', max_age_hours: 72 },
        ],
      }),
    );
    expect(screen.getByTestId(T.sbomPartial).textContent).toContain('Partial SBOM');
    expect(screen.getByTestId(T.sbomProblems).textContent).toContain('layer 3 is larger than 512 MB and was not read');
    expect(screen.getByTestId(T.sbomSource).textContent).toContain('Extracted');
    expect(screen.getByTestId(T.sbomSource).textContent).toContain('read the package databases in the image’s layers');
    const sbom = screen.getByTestId(T.sbom);
    expect(sbom.textContent).toContain('palisade-layers');
    expect(sbom.textContent).toContain('214');
    expect(sbom.textContent).toContain('partial');
    expect(sbom.textContent).toContain('3 h ago');

    expect(screen.getByTestId(T.vulnSummary).textContent).toBe(
      '10 known vulnerabilities; a fix exists for 4 of the critical and high ones.',
    );
    expect(screen.getByTestId(T.vulnCount('critical')).textContent).toBe('critical 2 (1 fixable)');
    expect(screen.getByTestId(T.vulnCount('high')).textContent).toBe('high 3 (3 fixable)');
    expect(screen.getByTestId(T.vulnCount('unknown')).textContent).toBe('unknown 1');
    expect(screen.getByTestId(T.vulnCount('not_affected')).textContent).toContain('2');
    const encoded = encodeURIComponent(DIGEST);
    expect(screen.getByTestId(T.vulnLink).getAttribute('href')).toBe(`/t/acme/vulnerabilities?image=${encoded}`);
    expect(screen.getByTestId(T.fixableLink).getAttribute('href')).toBe(`/t/acme/vulnerabilities?fixable=true&image=${encoded}`);
    const download = screen.getByTestId(T.sbomDownload);
    expect(download.textContent).toContain('Download SBOM (CycloneDX)');
    expect(download.getAttribute('href')).toBe(`/api/v1/tenants/acme/images/${encoded}/sbom`);
    expect(download.hasAttribute('download')).toBe(true);
    expect(screen.getByTestId(testIds.advisoryData.feedStatus('Debian:12')).textContent).toBe('current');
  });

  it('does not call zero clean when a feed the image needs is not configured or stale', async () => {
    const panel = await renderImage(
      image({
        sbom: {
          source: 'attestation',
          format: 'cyclonedx-json',
          origin: 'OCI referrer sha256:abc',
          tool: 'syft 1.4.1',
          observed_at: hoursAgo(5),
          components: 40,
          problems: [],
        },
        vulnerabilities: noVulns,
        advisory_feeds: [
          { ecosystem: 'npm', configured: false, refreshed_at: null, feed_date: null, error: '', max_age_hours: 72 },
          {
            ecosystem: 'Alpine:v3.20',
            configured: true,
            refreshed_at: hoursAgo(90),
            feed_date: hoursAgo(95),
            error: '',
            max_age_hours: 72,
          },
        ],
      }),
    );
    expect(screen.queryByTestId(T.sbomPartial)).toBeNull();
    expect(screen.getByTestId(T.sbomSource).textContent).toContain('Attested');
    expect(screen.getByTestId(T.vulnSummary).textContent).toBe(
      'No known vulnerabilities, but advisory data is missing or stale: this is not a clean result.',
    );
    const warning = within(panel).getByTestId(testIds.advisoryData.warning);
    expect(warning.textContent).toContain('npm: no advisory feed is configured for it, so packages of this ecosystem are not checked.');
    expect(warning.textContent).toContain('Alpine:v3.20: last loaded 3 d ago');
    expect(screen.getByTestId(testIds.advisoryData.feedStatus('npm')).textContent).toBe('not configured');
  });

  it('calls zero clean only with every feed current, and names the package count', async () => {
    await renderImage(
      image({
        sbom: {
          source: 'upload',
          format: 'spdx-json',
          origin: 'upload by token ci-main',
          observed_at: hoursAgo(1),
          components: 12,
          problems: [],
        },
        vulnerabilities: noVulns,
        advisory_feeds: [
          { ecosystem: 'Go', configured: true, refreshed_at: hoursAgo(1), feed_date: hoursAgo(2), error: '', max_age_hours: 72 },
        ],
      }),
    );
    expect(screen.getByTestId(T.vulnSummary).textContent).toBe('No known vulnerabilities in its 12 packages.');
    expect(screen.getByTestId(T.sbomSource).textContent).toContain('Uploaded');
    expect(screen.queryByTestId(testIds.advisoryData.warning)).toBeNull();
  });
});
