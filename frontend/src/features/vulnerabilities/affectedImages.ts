import type { AffectedImage, AffectedUsage } from '../../api/types';

export interface AffectedMatch {
  advisory: string;
  package: string;
  installed: string;
  fixed: string;
  not_affected: boolean;
}

/** One image the vulnerability affects: every matching package, and where it runs. */
export interface AffectedImageGroup {
  digest: string;
  registry: string;
  repository: string;
  matches: AffectedMatch[];
  usages: AffectedUsage[];
}

/** The API lists one entry per image, advisory and package; group them by image, in the API's order. */
export function groupAffected(images: readonly AffectedImage[]): AffectedImageGroup[] {
  const byDigest = new Map<string, AffectedImageGroup>();
  for (const i of images) {
    let g = byDigest.get(i.digest);
    if (!g) {
      g = { digest: i.digest, registry: i.registry, repository: i.repository, matches: [], usages: i.usages };
      byDigest.set(i.digest, g);
    }
    g.matches.push({ advisory: i.advisory, package: i.package, installed: i.installed, fixed: i.fixed, not_affected: i.not_affected });
  }
  return [...byDigest.values()];
}

/** Containers of all affected images, for the headline. */
export function containerCount(groups: readonly AffectedImageGroup[]): number {
  return groups.reduce((n, g) => n + g.usages.length, 0);
}
