// End-to-end tests of the demo IdP over real HTTP: the server runs as a child process on
// a free port, and the tests play browser (manual redirects + a small cookie jar) and
// relying party (token endpoint, ID token checks) the way Palisade's Go code will.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  createHash, createPublicKey, randomBytes, verify as verifySignature,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.join(HERE, '..', 'server.mjs');
const USERS = JSON.parse(readFileSync(path.join(HERE, '..', 'users.json'), 'utf8')).users;

const CLIENT_ID = 'palisade-test';
const CLIENT_SECRET = 'test-secret-not-the-default';
const REDIRECT_URI = 'http://127.0.0.1:8080/auth/callback';
const POST_LOGOUT_URI = 'http://127.0.0.1:8080/';
const PASSWORD = 'palisade-demo';

let child;
let issuer;
let stderr = '';
let exitCode;

// startIdp launches server.mjs on port 0 and resolves with the issuer from the
// "idp ready <issuer>" line.
function startIdp(args) {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => reject(new Error(`idp did not start in time; stderr:\n${stderr}`)), 15_000);
    const exited = new Promise((res) => { child.on('exit', (code, signal) => { exitCode = code ?? signal; res(); }); });
    child.exited = exited;
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`idp exited early (${exitCode}); stderr:\n${stderr}`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^idp ready (\S+)$/.exec(line);
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected first stdout line: ${line}`));
    });
  });
}

// A cookie jar just good enough for one host: honours Path, deletion and expiry.
class CookieJar {
  #cookies = new Map(); // "name\0path" -> { name, value, path, expires }

  store(res) {
    for (const header of res.headers.getSetCookie()) {
      const [pair, ...attrs] = header.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const cookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1), path: '/', expires: Infinity };
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=');
        const key = k.toLowerCase();
        if (key === 'path') cookie.path = v;
        if (key === 'expires') cookie.expires = Date.parse(v);
        if (key === 'max-age') cookie.expires = Date.now() + Number(v) * 1000;
      }
      const id = `${cookie.name}\0${cookie.path}`;
      if (cookie.expires <= Date.now() || cookie.value === '') this.#cookies.delete(id);
      else this.#cookies.set(id, cookie);
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    return [...this.#cookies.values()]
      .filter((c) => c.expires > Date.now())
      .filter((c) => c.path === '/' || pathname === c.path || pathname.startsWith(`${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  names() {
    return [...this.#cookies.values()].map((c) => c.name);
  }
}

// A browser: every request carries the jar's cookies and never follows redirects itself.
function newBrowser() {
  const jar = new CookieJar();
  async function request(url, init = {}) {
    const headers = new Headers(init.headers);
    const cookie = jar.header(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    jar.store(res);
    return res;
  }
  // go follows redirects until one leaves the IdP (the RP callback), or a page renders.
  async function go(url, init) {
    let res = await request(url, init);
    let current = url;
    for (let hops = 0; hops < 10; hops += 1) {
      const location = res.headers.get('location');
      if (res.status < 300 || res.status > 399 || !location) return { res, url: current };
      await res.arrayBuffer();
      current = new URL(location, current).href;
      if (new URL(current).origin !== new URL(issuer).origin) return { res, url: current, left: true };
      res = await request(current);
    }
    throw new Error('too many redirects');
  }
  return { jar, request, go };
}

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(params) {
  const url = new URL(`${issuer}/auth`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

function standardParams(pkce) {
  return {
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email groups',
    state: randomBytes(12).toString('base64url'),
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  };
}

// formAction pulls the login form's action out of the page, as a Go test would.
function formAction(html, base) {
  const m = /<form[^>]*id="login-form"[^>]*>/.exec(html) ?? [];
  const action = /action="([^"]*)"/.exec(m[0] ?? '')?.[1];
  assert.ok(action, 'login form has an action');
  return new URL(action.replaceAll('&amp;', '&'), base).href;
}

function postForm(browser, url, fields) {
  return browser.go(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

// signIn runs the browser half of the code flow and returns the RP callback URL.
async function signIn(username, password, params) {
  const browser = newBrowser();
  const page = await browser.go(authorizeUrl(params));
  assert.equal(page.res.status, 200, 'authorize ends on the login page');
  const html = await page.res.text();
  const action = formAction(html, page.url);
  const submitted = await postForm(browser, action, { username, password });
  return { browser, page, html, action, submitted };
}

async function exchange(code, verifier, { auth = 'basic' } = {}) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier,
  });
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;
  } else {
    body.set('client_id', CLIENT_ID);
    body.set('client_secret', CLIENT_SECRET);
  }
  const res = await fetch(`${issuer}/token`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

async function verifyIdToken(jwt) {
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  const { keys } = await (await fetch(`${issuer}/jwks`)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, 'signing key is published in the JWKS');
  assert.equal(header.alg, 'RS256');
  const ok = verifySignature('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  assert.ok(ok, 'ID token signature verifies');
  return claims;
}

// fullFlow signs a user in and trades the code for tokens.
async function fullFlow(username, { auth } = {}) {
  const pkce = pkcePair();
  const params = standardParams(pkce);
  const { submitted } = await signIn(username, PASSWORD, params);
  assert.ok(submitted.left, `sign-in of ${username} reaches the RP callback`);
  const callback = new URL(submitted.url);
  assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI);
  assert.equal(callback.searchParams.get('state'), params.state);
  assert.equal(callback.searchParams.get('iss'), issuer);
  const code = callback.searchParams.get('code');
  assert.ok(code, 'callback carries a code');
  const tokens = await exchange(code, pkce.verifier, { auth });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  const claims = await verifyIdToken(tokens.body.id_token);
  return { params, tokens: tokens.body, claims };
}

before(async () => {
  issuer = await startIdp([
    '--port', '0',
    '--client-id', CLIENT_ID,
    '--client-secret', CLIENT_SECRET,
    '--redirect-uri', REDIRECT_URI,
    '--post-logout-redirect-uri', POST_LOGOUT_URI,
  ]);
});

after(async () => {
  if (child && exitCode === undefined) {
    child.kill('SIGTERM');
    await child.exited;
    assert.equal(exitCode, 0, `idp exits 0 on SIGTERM; stderr:\n${stderr}`);
  }
});

describe('discovery', () => {
  test('advertises the issuer, PKCE S256, logout and the groups scope', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(doc.issuer, issuer);
    assert.equal(doc.authorization_endpoint, `${issuer}/auth`);
    assert.equal(doc.token_endpoint, `${issuer}/token`);
    assert.equal(doc.end_session_endpoint, `${issuer}/session/end`);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(doc.response_types_supported, ['code']);
    assert.deepEqual(doc.grant_types_supported, ['authorization_code']);
    for (const scope of ['openid', 'profile', 'email', 'groups']) assert.ok(doc.scopes_supported.includes(scope), scope);
    assert.ok(doc.claims_supported.includes('groups'));
    assert.deepEqual(doc.token_endpoint_auth_methods_supported.sort(), ['client_secret_basic', 'client_secret_post']);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['RS256']);
  });
});

describe('authorization code flow', () => {
  test('acme-operator gets an ID token with groups, nonce and audience', async () => {
    const { params, tokens, claims } = await fullFlow('acme-operator');
    const user = USERS.find((u) => u.username === 'acme-operator');
    assert.equal(claims.iss, issuer);
    assert.equal(claims.aud, CLIENT_ID);
    assert.equal(claims.nonce, params.nonce);
    assert.equal(claims.sub, user.sub);
    assert.deepEqual(claims.groups, ['acme:operator']);
    assert.equal(claims.email, 'operator@acme.example');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.name, 'Acme Operator');
    assert.equal(claims.preferred_username, 'acme-operator');
    assert.equal(claims.exp - claims.iat, 3600, 'ID token lives one hour');
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.refresh_token, undefined, 'no refresh tokens');

    const info = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(info.status, 200);
    assert.deepEqual((await info.json()).groups, ['acme:operator']);
  });

  test('the consultant carries groups in both tenants; client_secret_post works', async () => {
    const { claims } = await fullFlow('consultant', { auth: 'post' });
    assert.deepEqual(claims.groups, ['acme:auditor', 'globex:operator']);
  });

  test('nobody gets an empty groups array', async () => {
    const { claims } = await fullFlow('nobody');
    assert.deepEqual(claims.groups, []);
  });

  test('the login page is plain, accessible HTML under a strict CSP', async () => {
    const { html, action, page } = await signIn('acme-viewer', PASSWORD, standardParams(pkcePair()));
    const uid = new URL(page.url).pathname.split('/')[2];
    assert.equal(new URL(page.url).pathname, `/interaction/${uid}`);
    assert.equal(action, page.url, 'the form posts back to the interaction URL');
    assert.match(page.res.headers.get('content-type'), /^text\/html/);
    const csp = page.res.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(html, /<form method="post" action="\/interaction\/[\w-]+" id="login-form">/);
    assert.match(html, /<label for="username">Username<\/label>/);
    assert.match(html, /<input id="username" name="username" type="text"/);
    assert.match(html, /<label for="password">Password<\/label>/);
    assert.match(html, /<input id="password" name="password" type="password"/);
    assert.match(html, /<button type="submit">Sign in<\/button>/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /<style/i);
    const css = await fetch(`${issuer}/assets/idp.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type'), /^text\/css/);
  });
});

describe('rejections', () => {
  test('a wrong password shows the error, issues no code, and a retry still works', async () => {
    const pkce = pkcePair();
    const params = standardParams(pkce);
    const { browser, action, submitted } = await signIn('acme-auditor', 'not-the-password', params);
    assert.equal(submitted.res.status, 401);
    assert.equal(submitted.left, undefined);
    assert.equal(submitted.res.headers.get('location'), null);
    const html = await submitted.res.text();
    assert.match(html, /Invalid username or password/);
    assert.match(html, /value="acme-auditor"/, 'the username is kept');
    assert.doesNotMatch(html, /code=/);

    const retry = await postForm(browser, action, { username: 'acme-auditor', password: PASSWORD });
    assert.ok(retry.left, 'the same interaction accepts the right password');
    assert.ok(new URL(retry.url).searchParams.get('code'));
  });

  test('an unknown user gets the same error', async () => {
    const { submitted } = await signIn('mallory', PASSWORD, standardParams(pkcePair()));
    assert.equal(submitted.res.status, 401);
    assert.match(await submitted.res.text(), /Invalid username or password/);
  });

  test('echoed input is HTML-escaped', async () => {
    const evil = '"><script>alert(1)</script>';
    const { submitted } = await signIn(evil, 'x', standardParams(pkcePair()));
    const html = await submitted.res.text();
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  test('an authorize request without code_challenge is refused', async () => {
    const params = standardParams(pkcePair());
    delete params.code_challenge;
    delete params.code_challenge_method;
    const { left, url, res } = await newBrowser().go(authorizeUrl(params));
    assert.ok(left, `expected an error redirect, got ${res.status}`);
    const callback = new URL(url);
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.match(callback.searchParams.get('error_description'), /PKCE/);
    assert.equal(callback.searchParams.get('code'), null);
  });

  test('the plain PKCE method is refused', async () => {
    const params = { ...standardParams(pkcePair()), code_challenge_method: 'plain' };
    const { left, url } = await newBrowser().go(authorizeUrl(params));
    assert.ok(left);
    assert.equal(new URL(url).searchParams.get('error'), 'invalid_request');
  });

  test('a code with the wrong code_verifier is refused', async () => {
    const pkce = pkcePair();
    const { submitted } = await signIn('globex-operator', PASSWORD, standardParams(pkce));
    const code = new URL(submitted.url).searchParams.get('code');
    const tokens = await exchange(code, pkcePair().verifier);
    assert.equal(tokens.status, 400);
    assert.equal(tokens.body.error, 'invalid_grant');
  });

  test('a wrong client secret is refused', async () => {
    const pkce = pkcePair();
    const { submitted } = await signIn('globex-auditor', PASSWORD, standardParams(pkce));
    const code = new URL(submitted.url).searchParams.get('code');
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier,
        client_id: CLIENT_ID, client_secret: 'wrong',
      }),
    });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, 'invalid_client');
  });

  test('ten failures per username per minute lock that username out with 429', async () => {
    const { browser, action } = await signIn('globex-viewer', 'wrong-0', standardParams(pkcePair()));
    for (let i = 1; i < 10; i += 1) {
      const r = await postForm(browser, action, { username: 'globex-viewer', password: `wrong-${i}` });
      assert.equal(r.res.status, 401, `attempt ${i + 1}`);
    }
    const locked = await postForm(browser, action, { username: 'globex-viewer', password: PASSWORD });
    assert.equal(locked.res.status, 429, 'even the right password waits');
    assert.ok(Number(locked.res.headers.get('retry-after')) > 0);
    assert.match(await locked.res.text(), /Too many failed sign-in attempts/);
    // Other usernames are unaffected.
    const other = await postForm(browser, action, { username: 'globex-admin', password: PASSWORD });
    assert.ok(other.left);
  });
});

describe('RP-initiated logout', () => {
  test('confirms with a plain form and returns to the post-logout URI', async () => {
    const pkce = pkcePair();
    const params = standardParams(pkce);
    const { browser, submitted } = await signIn('globex-secmgr', PASSWORD, params);
    const code = new URL(submitted.url).searchParams.get('code');
    const { body } = await exchange(code, pkce.verifier);

    const endSession = new URL(`${issuer}/session/end`);
    endSession.searchParams.set('id_token_hint', body.id_token);
    endSession.searchParams.set('post_logout_redirect_uri', POST_LOGOUT_URI);
    endSession.searchParams.set('state', 'bye');
    const page = await browser.go(endSession.href);
    assert.equal(page.res.status, 200);
    const html = await page.res.text();
    assert.doesNotMatch(html, /<script|<style|\sstyle=/i);
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(action && xsrf, 'logout form with xsrf token');
    assert.match(html, /<button type="submit" name="logout" value="yes"[^>]*>Yes, sign me out<\/button>/);

    const done = await postForm(browser, new URL(action, issuer).href, { xsrf, logout: 'yes' });
    assert.ok(done.left, 'logout redirects back to the RP');
    const back = new URL(done.url);
    assert.equal(`${back.origin}${back.pathname}`, POST_LOGOUT_URI);
    assert.equal(back.searchParams.get('state'), 'bye');

    // The session is gone: a new authorization request asks for a login again.
    const again = await browser.go(authorizeUrl(standardParams(pkcePair())));
    assert.equal(again.res.status, 200);
    assert.match(await again.res.text(), /id="login-form"/);
  });
});
