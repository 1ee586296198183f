import { describe, expect, it } from 'vitest';
import { digestOf } from '../../test/fixtures';
import {
  digestProblem,
  hasVulnFilters,
  parseVulnList,
  vulnFiltersToQuery,
  vulnListToSearch,
  vulnerabilitiesHref,
  vulnerabilityIdProblem,
} from './vulnFilters';

describe('vulnerability list filters', () => {
  it('reads every filter and the cursors from the URL and writes them back in a stable order', () => {
    const qs =
      `severity=high&fixable=false&vulnerability=CVE-2024-3094&package=xz-utils&image=${encodeURIComponent(digestOf(3))}` +
      '&namespace=shop&workload=apps%2FDeployment%2Fshop%2Fweb&target=2&not_affected=true&cursor=c2&cursor=c3';
    const state = parseVulnList(new URLSearchParams(qs));
    expect(state.filters).toEqual({
      severity: 'high',
      fixable: false,
      vulnerability: 'CVE-2024-3094',
      package: 'xz-utils',
      image: digestOf(3),
      namespace: 'shop',
      workload: 'apps/Deployment/shop/web',
      target: 2,
      notAffected: true,
    });
    expect(state.stack).toEqual({ previous: ['', 'c2'], current: 'c3' });
    expect(vulnListToSearch(state).toString()).toBe(qs);
  });

  it('drops values the API would refuse instead of sending them', () => {
    const { filters } = parseVulnList(
      new URLSearchParams('severity=severe&fixable=yes&image=sha256:abc&vulnerability=../etc&target=0&not_affected=1'),
    );
    expect(filters).toEqual({});
    // "At least unknown" is every severity: no filter.
    expect(parseVulnList(new URLSearchParams('severity=unknown')).filters).toEqual({});
  });

  it('builds the API query with the page size and the cursor', () => {
    expect(vulnFiltersToQuery({ severity: 'critical', fixable: true, notAffected: true, target: 4 }, 'c9')).toEqual({
      limit: 50,
      severity: 'critical',
      fixable: true,
      not_affected: true,
      target: 4,
      cursor: 'c9',
    });
    expect(vulnFiltersToQuery({}, '')).toEqual({ limit: 50 });
  });

  it('says what is wrong with a typed digest or id, and links with filters', () => {
    expect(digestProblem('sha256:abc')).toContain('64 lowercase hex digits');
    expect(digestProblem(` ${digestOf(1)} `)).toBeUndefined();
    expect(vulnerabilityIdProblem('CVE 2024')).toContain('letters, digits');
    expect(vulnerabilityIdProblem('GHSA-abcd-efgh-ijkl')).toBeUndefined();
    expect(vulnerabilitiesHref('acme', { image: digestOf(1), fixable: true })).toBe(
      `/t/acme/vulnerabilities?fixable=true&image=${encodeURIComponent(digestOf(1))}`,
    );
    expect(hasVulnFilters({ notAffected: true })).toBe(false);
    expect(hasVulnFilters({ package: 'zlib' })).toBe(true);
  });
});
