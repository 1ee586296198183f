#!/usr/bin/env node
// Palisade demo OpenID Connect provider, built on oidc-provider.
//
// FOR LOCAL RUNS AND TESTS ONLY: demo users with a published password, in-memory storage,
// signing and cookie keys that are new on every start. See README.md.
//
// stdout carries exactly one line, "idp ready <issuer>", once the server listens; every
// other message (request log, oidc-provider notices, errors) goes to stderr.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

import { parseHash, verifyPassword } from './passwords.mjs';
import {
  errorPage, loggedOutPage, loginPage, logoutPage, STYLESHEET, STYLESHEET_PATH,
} from './pages.mjs';

// oidc-provider prints its notices with console.info (stdout); keep stdout for the ready line.
console.log = console.error; // eslint-disable-line no-console
console.info = console.error; // eslint-disable-line no-console

const HERE = path.dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: node server.mjs [flags]   (flags win over environment variables)
  --port N                        IDP_PORT, default 5556 (0 picks a free port)
  --host ADDR                     IDP_HOST, default 127.0.0.1
  --issuer URL                    IDP_ISSUER, default http://127.0.0.1:<port>
  --client-id ID                  IDP_CLIENT_ID, default palisade
  --client-secret SECRET          IDP_CLIENT_SECRET, default palisade-demo-secret
  --redirect-uri URI[,URI]        IDP_REDIRECT_URIS (repeatable flag, comma separated)
  --post-logout-redirect-uri URI  IDP_POST_LOGOUT_REDIRECT_URIS (repeatable, comma separated)
  --users FILE                    IDP_USERS, default users.json next to server.mjs
  --quiet                         IDP_QUIET=1, no request log
`;

const LOGIN_FAILURE_LIMIT = 10; // failed sign-ins per username ...
const LOGIN_FAILURE_WINDOW_MS = 60_000; // ... per minute, then HTTP 429
const MAX_FORM_BYTES = 16 * 1024;
const INVALID_CREDENTIALS = 'Invalid username or password';

function fail(message) {
  process.stderr.write(`idp: ${message}\n`);
  process.exit(2);
}

function splitList(values) {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function parseConfig(argv, env) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        'post-logout-redirect-uri': { type: 'string', multiple: true },
        users: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail(`${err.message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }

  const portText = values.port ?? env.IDP_PORT ?? '5556';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) fail(`invalid port ${JSON.stringify(portText)}`);

  const list = (flag, envName, fallback) => splitList(values[flag] ?? [env[envName] ?? fallback]);
  const config = {
    port,
    host: values.host ?? env.IDP_HOST ?? '127.0.0.1',
    issuer: values.issuer ?? env.IDP_ISSUER, // default needs the bound port, see main()
    clientId: values['client-id'] ?? env.IDP_CLIENT_ID ?? 'palisade',
    clientSecret: values['client-secret'] ?? env.IDP_CLIENT_SECRET ?? 'palisade-demo-secret',
    redirectUris: list('redirect-uri', 'IDP_REDIRECT_URIS',
      'http://127.0.0.1:8080/auth/callback,http://localhost:8080/auth/callback'),
    postLogoutRedirectUris: list('post-logout-redirect-uri', 'IDP_POST_LOGOUT_REDIRECT_URIS',
      'http://127.0.0.1:8080/,http://localhost:8080/'),
    usersFile: values.users ?? env.IDP_USERS ?? path.join(HERE, 'users.json'),
    quiet: values.quiet ?? ['1', 'true', 'yes'].includes(String(env.IDP_QUIET ?? '').toLowerCase()),
  };

  if (!config.clientId || !config.clientSecret) fail('client id and secret must not be empty');
  if (config.redirectUris.length === 0) fail('at least one redirect URI is required');
  for (const uri of [...config.redirectUris, ...config.postLogoutRedirectUris]) {
    if (!URL.canParse(uri)) fail(`not an absolute URL: ${uri}`);
  }
  return config;
}

// checkIssuer rejects issuers oidc-provider cannot serve as given: it is mounted at the
// root here, so an issuer path would make every advertised endpoint wrong.
function checkIssuer(issuer) {
  if (!URL.canParse(issuer)) fail(`issuer is not a URL: ${issuer}`);
  const url = new URL(issuer);
  if (!['http:', 'https:'].includes(url.protocol)) fail('issuer must be an http(s) URL');
  if (url.pathname !== '/' || url.search || url.hash) {
    fail('issuer must have no path, query or fragment (the provider is served at the root)');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
    || url.hostname.startsWith('127.');
  if (url.protocol === 'http:' && !loopback) {
    process.stderr.write(`idp: WARNING plain-http issuer on a non-loopback host (${url.host}); demo use only\n`);
  }
}

function loadUsers(file) {
  let doc;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read users file ${file}: ${err.message}`);
  }
  const list = Array.isArray(doc) ? doc : doc?.users;
  if (!Array.isArray(list) || list.length === 0) fail(`${file}: expected a non-empty "users" array`);

  const bySub = new Map();
  const byUsername = new Map();
  for (const [i, u] of list.entries()) {
    const where = `${file}: users[${i}]`;
    for (const key of ['sub', 'username', 'password', 'name', 'email']) {
      if (typeof u?.[key] !== 'string' || u[key] === '') fail(`${where}: "${key}" must be a non-empty string`);
    }
    if (!parseHash(u.password)) fail(`${where}: "password" must be a scrypt hash from hash-password.mjs`);
    if (!Array.isArray(u.groups) || !u.groups.every((g) => typeof g === 'string')) {
      fail(`${where}: "groups" must be an array of strings`);
    }
    const key = u.username.toLowerCase();
    if (bySub.has(u.sub)) fail(`${where}: duplicate sub ${u.sub}`);
    if (byUsername.has(key)) fail(`${where}: duplicate username ${u.username}`);
    const user = { ...u, groups: [...u.groups], email_verified: u.email_verified ?? true };
    bySub.set(u.sub, user);
    byUsername.set(key, user);
  }
  return { bySub, byUsername };
}

// Counts failed sign-ins per username in a sliding window. Unknown usernames count too,
// so probing for valid names is throttled the same way.
class LoginLimiter {
  #failures = new Map(); // username -> timestamps (ms) of recent failures

  #recent(key, now) {
    const recent = (this.#failures.get(key) ?? []).filter((t) => now - t < LOGIN_FAILURE_WINDOW_MS);
    if (recent.length) this.#failures.set(key, recent);
    else this.#failures.delete(key);
    return recent;
  }

  // retryAfterSeconds returns 0 while the username may try again.
  retryAfterSeconds(key, now = Date.now()) {
    const recent = this.#recent(key, now);
    if (recent.length < LOGIN_FAILURE_LIMIT) return 0;
    return Math.max(1, Math.ceil((recent[0] + LOGIN_FAILURE_WINDOW_MS - now) / 1000));
  }

  recordFailure(key, now = Date.now()) {
    if (this.#failures.size > 10_000) { // bound memory under a flood of made-up usernames
      for (const k of this.#failures.keys()) this.#recent(k, now);
    }
    this.#failures.set(key, [...this.#recent(key, now), now]);
  }

  reset(key) {
    this.#failures.delete(key);
  }
}

function origins(uris) {
  return [...new Set(uris.map((u) => new URL(u).origin))];
}

function buildProvider(config, users) {
  // A fresh RS256 signing key and cookie key on every start: tokens and sessions from an
  // earlier run stop verifying, which is what a throwaway demo IdP should do.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  const cookieKeys = [randomBytes(32).toString('base64url')];

  const scopeClaims = {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  };

  const configuration = {
    clients: [{
      client_id: config.clientId,
      client_secret: config.clientSecret,
      client_name: 'Palisade',
      redirect_uris: config.redirectUris,
      post_logout_redirect_uris: config.postLogoutRedirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      // Either method works for this client: oidc-provider accepts basic and post
      // interchangeably for a client registered with one of them.
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    scopes: Object.keys(scopeClaims),
    claims: scopeClaims,
    // Put the scope-requested claims into the ID token itself, not only userinfo.
    conformIdTokenClaims: false,
    jwks: { keys: [signingKey] },
    cookies: {
      keys: cookieKeys,
      // oidc-provider 8 defaults long-lived cookies to SameSite=None, which browsers drop
      // unless Secure, and Secure is impossible on a plain-http issuer. Lax works on http
      // and still rides along on the top-level redirects of the code flow.
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      Interaction: 30 * 60,
      Session: 8 * 60 * 60,
      Grant: 8 * 60 * 60,
    },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = logoutPage({ host: ctx.host, form });
        },
        async postLogoutSuccessSource(ctx) {
          const client = ctx.oidc.client;
          ctx.type = 'html';
          ctx.body = loggedOutPage({ clientName: client?.clientName || client?.clientId });
        },
      },
    },
    clientBasedCORS: () => false, // a confidential, server-side client never needs CORS
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = errorPage({ details: out });
    },
    async findAccount(ctx, sub) {
      const user = users.bySub.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        // oidc-provider keeps only the claims the granted scopes allow.
        async claims() {
          return {
            sub: user.sub,
            name: user.name,
            preferred_username: user.username,
            email: user.email,
            email_verified: user.email_verified,
            groups: user.groups,
          };
        },
      };
    },
    // Palisade is first party: grant every requested scope straight away, so the
    // consent prompt never shows (see oidc-provider's documented loadExistingGrant recipe).
    async loadExistingGrant(ctx) {
      const { client, session, result } = ctx.oidc;
      const grantId = result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (client.clientId !== config.clientId) return grant;
      if (!grant || grant.accountId !== session.accountId) {
        grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      }
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
      grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.on('server_error', (ctx, err) => {
    process.stderr.write(`idp: server error on ${ctx.method} ${ctx.path}: ${err.stack || err}\n`);
  });
  return provider;
}

// securityHeaders go on every response. No script or style may come from anywhere but this
// origin; forms may post here and to the registered redirect targets, because browsers
// apply form-action to the redirects that follow a POST.
function securityHeaders(config) {
  const formTargets = origins([...config.redirectUris, ...config.postLogoutRedirectUris]).join(' ');
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      // 'self' serves no scripts; oidc-provider appends a hash here for response_mode=form_post.
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      `form-action 'self' ${formTargets}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  };
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

async function readForm(req) {
  const type = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw Object.assign(new Error('expected an application/x-www-form-urlencoded body'), { status: 415 });
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw Object.assign(new Error('form too large'), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// A hash to check against when the username is unknown, so both cases cost one scrypt.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

// The interaction routes: GET renders the login page, POST checks the credentials, abort
// cancels. They answer on the path oidc-provider redirects to by default: /interaction/<uid>.
function interactionHandler(provider, config, users) {
  const limiter = new LoginLimiter();

  return async function handleInteraction(req, res, uid, action) {
    let interaction;
    try {
      interaction = await provider.interactionDetails(req, res);
      if (interaction.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
    } catch (err) {
      if (!(err instanceof errors.SessionNotFound)) throw err;
      return send(res, 400, errorPage({
        title: 'Sign-in session not found',
        message: 'This sign-in link has expired or belongs to another browser session. Return to the application and sign in again.',
      }));
    }

    const self = `/interaction/${uid}`;
    const { prompt, params } = interaction;
    const client = await provider.Client.find(params.client_id);
    const clientName = client?.clientName || params.client_id;
    const render = (status, fields, headers) => send(res, status, loginPage({
      action: self, cancelUrl: `${self}/abort`, clientName, ...fields,
    }), headers);

    if (action === 'abort' && req.method === 'GET') {
      return provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
    }
    if (action) return send(res, 404, errorPage({ title: 'Not found' }));

    if (prompt.name === 'consent') {
      // Only reached if loadExistingGrant did not cover the request: grant it anyway.
      const grant = interaction.grantId
        ? await provider.Grant.find(interaction.grantId)
        : new provider.Grant({ accountId: interaction.session.accountId, clientId: params.client_id });
      const { details } = prompt;
      if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
      if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    if (prompt.name !== 'login') {
      return send(res, 501, errorPage({ message: `Unsupported prompt ${prompt.name}` }));
    }

    if (req.method === 'GET') {
      return render(200, { username: params.login_hint ?? '' });
    }
    if (req.method !== 'POST') {
      return send(res, 405, errorPage({ title: 'Method not allowed' }), { Allow: 'GET, POST' });
    }

    let form;
    try {
      form = await readForm(req);
    } catch (err) {
      return send(res, err.status || 400, errorPage({ message: err.message }));
    }
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const key = username.toLowerCase();

    const retryAfter = limiter.retryAfterSeconds(key);
    if (retryAfter > 0) {
      return render(429, {
        username,
        error: `Too many failed sign-in attempts for this username. Try again in ${retryAfter} seconds.`,
      }, { 'Retry-After': String(retryAfter) });
    }

    const user = users.byUsername.get(key);
    const ok = await verifyPassword(password, user?.password ?? DUMMY_HASH);
    if (!user || !ok) {
      limiter.recordFailure(key);
      return render(401, { username, error: INVALID_CREDENTIALS });
    }

    limiter.reset(key);
    return provider.interactionFinished(req, res, {
      login: { accountId: user.sub, amr: ['pwd'] },
    }, { mergeWithLastSubmission: false });
  };
}

async function main() {
  const config = parseConfig(process.argv.slice(2), process.env);
  const users = loadUsers(config.usersFile);
  const headers = securityHeaders(config);

  let ready = false;
  let providerCallback;
  let handleInteraction;

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const pathname = (req.url || '/').split('?')[0];
    if (!config.quiet) {
      // Only method, path and status: query strings and bodies can carry codes and secrets.
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        process.stderr.write(`${new Date().toISOString()} ${req.method} ${pathname} ${res.statusCode} ${ms.toFixed(1)}ms\n`);
      });
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);

    if (!ready) return send(res, 503, errorPage({ message: 'Starting up' }));

    if (pathname === STYLESHEET_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' });
      return res.end(req.method === 'HEAD' ? undefined : STYLESHEET);
    }
    if (pathname === '/favicon.ico') { // browsers ask; answer quietly instead of a JSON 404
      res.writeHead(204, { 'Cache-Control': 'public, max-age=86400' });
      return res.end();
    }
    const match = /^\/interaction\/([\w-]+)(?:\/(\w+))?$/.exec(pathname);
    if (match) {
      handleInteraction(req, res, match[1], match[2]).catch((err) => {
        process.stderr.write(`idp: interaction error: ${err.stack || err}\n`);
        if (!res.headersSent) send(res, 500, errorPage({ message: 'Internal error' }));
        else res.destroy();
      });
      return undefined;
    }
    return providerCallback(req, res);
  });

  server.on('error', (err) => fail(`cannot listen on ${config.host}:${config.port}: ${err.message}`));
  await new Promise((resolve) => { server.listen(config.port, config.host, resolve); });

  // The default issuer uses the port actually bound, so --port 0 works for tests. A
  // wildcard host (0.0.0.0 in a container) is not an address a browser can use: say 127.0.0.1.
  if (!config.issuer) {
    const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
    config.issuer = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`;
  }
  checkIssuer(config.issuer);

  const provider = buildProvider(config, users);
  providerCallback = provider.callback();
  handleInteraction = interactionHandler(provider, config, users);
  ready = true;

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`idp: ${signal}, shutting down\n`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // Requests still in flight get a moment, then the process goes regardless.
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  process.stdout.write(`idp ready ${config.issuer}\n`);
}

await main();
