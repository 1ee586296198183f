// Server-rendered HTML for the demo IdP. No inline script or style anywhere: the only
// stylesheet is /assets/idp.css, so pages work under a strict Content-Security-Policy
// and without JavaScript.

const ESCAPES = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;',
};

export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"'`=]/g, (c) => ESCAPES[c]);
}

export const STYLESHEET_PATH = '/assets/idp.css';

export const STYLESHEET = `:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{margin:0;display:flex;justify-content:center;padding:3rem 1rem}
main{width:100%;max-width:22rem}
h1{font-size:1.4rem;margin:0 0 .5rem}
.note{font-size:.85rem;opacity:.75;margin:0 0 1.5rem}
label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit}
button{margin-top:1.25rem;width:100%;padding:.6rem;font:inherit;font-weight:600;cursor:pointer}
button.secondary{margin-top:.5rem}
.error{border:1px solid #c62828;color:#c62828;padding:.5rem .75rem;border-radius:4px}
.cancel{display:block;margin-top:1rem;text-align:center}
pre{white-space:pre-wrap;word-break:break-word}
`;

function layout(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Palisade demo IdP</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

// loginPage renders the sign-in form. action is the URL the form posts to (the
// interaction's own path); error, when set, is shown above the form.
export function loginPage({ action, clientName, username = '', error, cancelUrl }) {
  const errorBlock = error
    ? `<p class="error" id="login-error" role="alert">${escapeHtml(error)}</p>\n`
    : '';
  const describedBy = error ? ' aria-describedby="login-error"' : '';
  return layout('Sign in', `<h1>Sign in</h1>
<p class="note">to ${escapeHtml(clientName)} — demo identity provider, for local runs and tests only.</p>
${errorBlock}<form method="post" action="${escapeHtml(action)}" id="login-form">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value="${escapeHtml(username)}"${describedBy}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${describedBy}>
<button type="submit">Sign in</button>
</form>
<a class="cancel" href="${escapeHtml(cancelUrl)}">Cancel and return to the application</a>`);
}

// logoutPage wraps the form oidc-provider builds for RP-initiated logout (it carries the
// xsrf token) and puts plain submit buttons inside it, so no JavaScript is needed.
export function logoutPage({ host, form }) {
  const buttons = `<button type="submit" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" class="secondary">No, stay signed in</button>
</form>`;
  // oidc-provider's form ends with </form>; insert the buttons before it.
  const formWithButtons = form.replace(/<\/form>\s*$/, buttons);
  return layout('Sign out', `<h1>Sign out</h1>
<p>Do you want to sign out from ${escapeHtml(host)}?</p>
${formWithButtons}`);
}

export function loggedOutPage({ clientName }) {
  const from = clientName ? ` from ${escapeHtml(clientName)}` : '';
  return layout('Signed out', `<h1>Signed out</h1>
<p>You have been signed out${from}.</p>`);
}

export function errorPage({ title = 'Something went wrong', message, details = {} }) {
  const rows = Object.entries(details)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `<pre><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</pre>`)
    .join('\n');
  return layout(title, `<h1>${escapeHtml(title)}</h1>
${message ? `<p>${escapeHtml(message)}</p>\n` : ''}${rows}`);
}
