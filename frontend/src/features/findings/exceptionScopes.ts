import type { ExceptionInput, Finding } from '../../api/types';

export interface ExceptionScope {
  key: string;
  label: string;
  input: Omit<ExceptionInput, 'reason' | 'expires_at'>;
}

function shared<T>(values: T[]): T | undefined {
  const first = values[0];
  return values.every((v) => v === first) ? first : undefined;
}

/**
 * What an exception for these findings can cover: the one finding, or their common check
 * narrowed to a common target and namespace. Narrowest first.
 */
export function exceptionScopes(findings: Finding[], targetName: (id: number) => string): ExceptionScope[] {
  const one = findings.length === 1 ? findings[0] : undefined;
  const check = shared(findings.map((f) => f.check_id));
  const scopes: ExceptionScope[] = [];
  if (one) scopes.push({ key: 'finding', label: `This finding only (#${one.id})`, input: { finding_id: one.id } });
  if (!check) return scopes;
  const target = shared(findings.map((f) => f.target_id));
  const namespace = shared(findings.map((f) => f.namespace));
  if (target && namespace)
    scopes.push({
      key: 'check-namespace',
      label: `Check ${check} in namespace ${namespace} on ${targetName(target)}`,
      input: { check_id: check, target_id: target, namespace },
    });
  if (target)
    scopes.push({
      key: 'check-target',
      label: `Check ${check} anywhere on ${targetName(target)}`,
      input: { check_id: check, target_id: target },
    });
  scopes.push({ key: 'check', label: `Check ${check} on every target of this tenant`, input: { check_id: check } });
  return scopes;
}
