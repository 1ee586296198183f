// scrypt password hashing for the demo users file.
//
// Format: scrypt$<N>$<r>$<p>$<salt, base64url>$<key, base64url>
// N=2^14, r=8, p=1 and a 32-byte key keep one check near 50 ms: slow enough to make
// the demo file's hashes useless to brute force casually, fast enough for tests.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb);

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

export async function hashPassword(password) {
  if (typeof password !== 'string' || password.length === 0) {
    throw new TypeError('password must be a non-empty string');
  }
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P });
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

// parseHash returns null for anything that is not a well-formed scrypt hash.
export function parseHash(encoded) {
  if (typeof encoded !== 'string') return null;
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  // Bounds keep a hostile users file from making each login take minutes or gigabytes.
  if (![n, r, p].every(Number.isInteger) || n < 2 || n > 2 ** 20 || (n & (n - 1)) !== 0
    || r < 1 || r > 32 || p < 1 || p > 16) {
    return null;
  }
  const salt = Buffer.from(parts[4], 'base64url');
  const key = Buffer.from(parts[5], 'base64url');
  if (salt.length < 8 || key.length < 16) return null;
  return { n, r, p, salt, key };
}

export async function verifyPassword(password, encoded) {
  const parsed = parseHash(encoded);
  if (!parsed || typeof password !== 'string') return false;
  const { n, r, p, salt, key } = parsed;
  const candidate = await scrypt(password, salt, key.length, {
    N: n, r, p, maxmem: 256 * n * r + 1024 * 1024,
  });
  return timingSafeEqual(candidate, key);
}
