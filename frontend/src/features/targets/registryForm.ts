// The registry target's settings and credentials, as the form holds them and as the API takes
// them (backend/sources/registry.go: url, repositories, include, exclude, private, ca_bundle;
// credentials are JSON of username/password, token or dockerConfig, sealed by the server).
import type { Target } from '../../api/types';

export type CredentialsMode = 'keep' | 'none' | 'basic' | 'token' | 'docker';

export interface RegistryDraft {
  url: string;
  repositories: string;
  include: string;
  exclude: string;
  private: boolean;
  caBundle: string;
  mode: CredentialsMode;
  username: string;
  password: string;
  token: string;
  dockerConfig: string;
}

export const REGISTRY_KEYS = ['url', 'repositories', 'include', 'exclude', 'private', 'ca_bundle'] as const;

export function registryDraft(target?: Target): RegistryDraft {
  const s = target?.settings ?? {};
  return {
    url: s.url ?? '',
    repositories: s.repositories ?? '',
    include: s.include ?? '',
    exclude: s.exclude ?? '',
    private: s.private === 'true',
    caBundle: s.ca_bundle ?? '',
    mode: target?.has_credentials ? 'keep' : 'none',
    username: '',
    password: '',
    token: '',
    dockerConfig: '',
  };
}

/** Why a registry URL is refused, or undefined when it is https://host[:port] (or http://). */
export function registryUrlError(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Required: the registry’s address, such as https://registry.example.com.';
  if (!/^https?:\/\//i.test(v)) return 'Start with https:// (or http:// for a registry without TLS).';
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return 'Not a URL: give https://host or https://host:port.';
  }
  if (!u.hostname) return 'Give a host name after https://.';
  if (u.username || u.password) return 'No user name or password in the URL: give credentials below.';
  if (u.search || u.hash || v.includes('?') || v.includes('#')) return 'No query or fragment: give https://host[:port] only.';
  if (u.pathname !== '/' && u.pathname !== '') return `No path (“${u.pathname}”): give https://host[:port] only; list repositories below.`;
  return undefined;
}

/** Comma or newline separated, trimmed, blanks dropped; sent comma-separated. */
export function splitList(s: string): string[] {
  return s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

export function caBundleError(value: string): string | undefined {
  const v = value.trim();
  if (!v) return undefined;
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(v))
    return 'Not a PEM certificate bundle: paste one or more -----BEGIN CERTIFICATE----- blocks.';
  return undefined;
}

export function dockerConfigError(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Paste the Docker config JSON (the content of ~/.docker/config.json or a pull secret’s .dockerconfigjson).';
  try {
    const parsed: unknown = JSON.parse(v);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'A Docker config is a JSON object.';
    if (!('auths' in parsed)) return 'A Docker config has an "auths" object naming each registry.';
  } catch (e) {
    return `Not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
  }
  return undefined;
}

export interface RegistryErrors {
  url?: string;
  caBundle?: string;
  username?: string;
  password?: string;
  token?: string;
  dockerConfig?: string;
}

export function validateRegistry(d: RegistryDraft): RegistryErrors {
  const e: RegistryErrors = {};
  e.url = registryUrlError(d.url);
  e.caBundle = caBundleError(d.caBundle);
  if (d.mode === 'basic') {
    if (!d.username.trim()) e.username = 'Required with a password.';
    if (!d.password) e.password = 'Required with a user name.';
  }
  if (d.mode === 'token' && !d.token.trim()) e.token = 'Paste the bearer token.';
  if (d.mode === 'docker') e.dockerConfig = dockerConfigError(d.dockerConfig);
  for (const k of Object.keys(e) as (keyof RegistryErrors)[]) if (!e[k]) delete e[k];
  return e;
}

/** The target's settings with the registry's own replaced; empty ones are left out. */
export function registrySettings(d: RegistryDraft, current: Record<string, string> = {}): Record<string, string> {
  const s: Record<string, string> = { ...current };
  for (const k of REGISTRY_KEYS) delete s[k];
  s.url = d.url.trim().replace(/\/$/, '');
  const repositories = splitList(d.repositories);
  if (repositories.length) s.repositories = repositories.join(',');
  const include = splitList(d.include);
  if (include.length) s.include = include.join(',');
  const exclude = splitList(d.exclude);
  if (exclude.length) s.exclude = exclude.join(',');
  if (d.private) s.private = 'true';
  if (d.caBundle.trim()) s.ca_bundle = d.caBundle.trim() + '\n';
  return s;
}

/**
 * The credentials to send: undefined keeps what is stored (or sends none), '' removes stored
 * ones, otherwise the JSON string the server seals.
 */
export function registryCredentials(d: RegistryDraft, stored: boolean): string | undefined {
  switch (d.mode) {
    case 'keep':
      return undefined;
    case 'none':
      return stored ? '' : undefined;
    case 'basic':
      return JSON.stringify({ username: d.username.trim(), password: d.password });
    case 'token':
      return JSON.stringify({ token: d.token.trim() });
    case 'docker':
      return JSON.stringify({ dockerConfig: d.dockerConfig.trim() });
  }
}
