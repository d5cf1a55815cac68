// The platform's HTML: sign-in form, device-code pages and error page (plain forms, no script, so any client can drive them).
// Button labels ("Sign in", "Continue", "Deny") appear nowhere else on their page, so `text=` selectors find the button.
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}
main{max-width:22rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.2)}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem;cursor:pointer}.error{color:#b00020}.secondary{background:none;border:1px solid #999}
code{font-size:1.4rem;letter-spacing:.1em}`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Amplify local platform</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body>
</html>`;
}

export function loginPage(options: { uid: string; clientName: string; username?: string; error?: string }): string {
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : '';
  return page(
    'Sign in',
    `<h1>Amplify Platform</h1>
<p>Use your account for <strong>${escapeHtml(options.clientName)}</strong>.</p>
${error}
<form method="post" action="/interaction/${escapeHtml(options.uid)}/login" autocomplete="off">
  <label for="username">Username or email</label>
  <input type="text" id="username" name="username" value="${escapeHtml(options.username ?? '')}" autofocus required>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" required>
  <button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${escapeHtml(options.uid)}/abort">Cancel</a></p>`,
  );
}

/** oidc-provider hands us its form (hidden xsrf and code fields); the buttons go inside it so plain form submission works. */
function withButtons(form: string, buttons: string): string {
  return form.replace(/<\/form>\s*$/, `${buttons}\n</form>`);
}

export function userCodeInputPage(form: string, error?: { name?: string; userCode?: string }): string {
  let message = '<p>Enter the code displayed on your device.</p>';
  if (error?.name === 'AbortedError') message = '<p class="error" role="alert">The request was denied. You may close this window.</p>';
  else if (error && (error.userCode || error.name === 'NoCodeError')) message = '<p class="error" role="alert">The code you entered is incorrect. Try again.</p>';
  else if (error) message = '<p class="error" role="alert">There was an error processing your request. Try again.</p>';
  return page('Device activation', `<h1>Device activation</h1>\n${message}\n${withButtons(form, '<button type="submit">Continue</button>')}`);
}

export function userCodeConfirmPage(form: string, clientName: string, userCode: string): string {
  return page(
    'Confirm device',
    `<h1>Confirm device</h1>
<p><strong>${escapeHtml(clientName)}</strong> is requesting access for a device showing this code:</p>
<p><code>${escapeHtml(userCode)}</code></p>
<p>Only go on if it matches the code on your device.</p>
${withButtons(form, '<button type="submit">Continue</button>\n<button type="submit" class="secondary" name="abort" value="yes">Deny</button>')}`,
  );
}

export function deviceSuccessPage(clientName: string): string {
  return page('Device activated', `<h1>Device activated</h1>\n<p>Your device is now signed in to <strong>${escapeHtml(clientName)}</strong>. You may close this window.</p>`);
}

export function errorPage(out: Record<string, unknown>): string {
  const rows = Object.entries(out)
    .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
    .join('\n');
  return page('Error', `<h1>Something went wrong</h1>\n${rows}`);
}
