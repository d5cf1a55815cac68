// Scripted "browsers" for tests that need no real one: fetch with a cookie jar, manual redirects and HTML form submission.

/** Cookies by origin and path, as a browser keeps them for plain-http loopback sites. */
export class CookieJar {
  readonly #cookies = new Map<string, { origin: string; name: string; value: string; path: string; expires: number }>();

  store(url: URL, setCookie: string[]): void {
    for (const line of setCookie) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expires = Number.POSITIVE_INFINITY;
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const attrValue = rest.join('=').trim();
        switch (key.trim().toLowerCase()) {
          case 'path':
            path = attrValue || '/';
            break;
          case 'max-age':
            expires = Date.now() + Number(attrValue) * 1000;
            break;
          case 'expires': {
            const at = Date.parse(attrValue);
            if (!Number.isNaN(at) && expires === Number.POSITIVE_INFINITY) expires = at;
            break;
          }
          default:
        }
      }
      const key = `${url.origin} ${path} ${name}`;
      if (expires <= Date.now()) this.#cookies.delete(key);
      else this.#cookies.set(key, { origin: url.origin, name, value, path, expires });
    }
  }

  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = [...this.#cookies.values()].filter(
      (c) => c.origin === url.origin && c.expires > now && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
    );
    // longer paths first, as browsers send them
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

export interface FormButton {
  name?: string;
  value?: string;
  text: string;
}

export interface HtmlForm {
  id?: string;
  action?: string;
  method: string;
  /** Successful controls in document order (hidden, text, password, ...), buttons excluded. */
  fields: Array<[string, string]>;
  buttons: FormButton[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = match[1];
    if (!name) continue;
    attributes[name.toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

export function textOf(html: string): string {
  return decodeEntities(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

function buttonOf(attributes: Record<string, string>, text: string): FormButton {
  return { ...(attributes.name ? { name: attributes.name } : {}), ...(attributes.name ? { value: attributes.value ?? '' } : {}), text };
}

/** The forms of a page, with buttons that sit outside a form but name it through `form="id"`. */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = attributesOf(match[1] ?? '');
    const body = match[2] ?? '';
    const fields: Array<[string, string]> = [];
    const buttons: FormButton[] = [];
    for (const input of body.matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributesOf(input[1] ?? '');
      const type = (a.type ?? 'text').toLowerCase();
      if (type === 'submit') buttons.push(buttonOf(a, a.value ?? 'Submit'));
      else if (a.name && !((type === 'checkbox' || type === 'radio') && !('checked' in a)) && type !== 'button' && type !== 'reset') fields.push([a.name, a.value ?? '']);
    }
    for (const button of body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const a = attributesOf(button[1] ?? '');
      if ((a.type ?? 'submit').toLowerCase() === 'submit') buttons.push(buttonOf(a, textOf(button[2] ?? '')));
    }
    forms.push({ ...(attributes.id ? { id: attributes.id } : {}), ...(attributes.action !== undefined ? { action: attributes.action } : {}), method: (attributes.method ?? 'get').toUpperCase(), fields, buttons });
  }
  for (const button of html.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
    const a = attributesOf(button[1] ?? '');
    const owner = a.form ? forms.find((f) => f.id === a.form) : undefined;
    if (owner && (a.type ?? 'submit').toLowerCase() === 'submit') owner.buttons.push(buttonOf(a, textOf(button[2] ?? '')));
  }
  return forms;
}

export type Visit = { kind: 'page'; url: URL; status: number; html: string } | { kind: 'left'; url: URL };

/** A cookie-keeping client that follows redirects itself and stops before leaving for another origin (the app's callback). */
export class Browser {
  readonly jar = new CookieJar();

  /** fetch: the global one, or one that reaches a host the test process cannot resolve or trust by itself. */
  constructor(
    private readonly maxRedirects = 20,
    private readonly fetch: typeof globalThis.fetch = globalThis.fetch,
  ) {}

  async visit(target: string | URL, init: { method?: string; body?: URLSearchParams } = {}, home?: string): Promise<Visit> {
    let url = new URL(target);
    const origin = home ?? url.origin;
    let method = init.method ?? 'GET';
    let body = init.body;
    for (let hop = 0; hop <= this.maxRedirects; hop += 1) {
      if (url.origin !== origin) return { kind: 'left', url };
      const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml' };
      const cookie = this.jar.header(url);
      if (cookie) headers.cookie = cookie;
      if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await this.fetch(url, { method, headers, redirect: 'manual', ...(body ? { body: body.toString() } : {}) });
      this.jar.store(url, response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url);
        if (response.status !== 307 && response.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return { kind: 'page', url, status: response.status, html: await response.text() };
    }
    throw new Error(`too many redirects from ${String(target)}`);
  }

  /** Submits a form as a click on `button` (the first submit button by default) would, with `values` typed in. */
  async submit(page: { url: URL }, form: HtmlForm, values: Record<string, string> = {}, button?: FormButton, home?: string): Promise<Visit> {
    const data = new URLSearchParams();
    const pending = new Map(Object.entries(values));
    for (const [name, value] of form.fields) {
      if (pending.has(name)) {
        data.append(name, pending.get(name) as string);
        pending.delete(name);
      } else data.append(name, value);
    }
    for (const [name, value] of pending) data.append(name, value);
    const clicked = button ?? form.buttons[0];
    if (clicked?.name) data.append(clicked.name, clicked.value ?? '');
    const action = new URL(form.action || page.url.href, page.url);
    if (form.method === 'POST') return this.visit(action, { method: 'POST', body: data }, home ?? page.url.origin);
    action.search = data.toString();
    return this.visit(action, {}, home ?? page.url.origin);
  }
}

const hasField = (form: HtmlForm, name: string) => form.fields.some(([field]) => field === name);
const errorOf = (html: string) => textOf(/<p class="error"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '') || textOf(html).slice(0, 300);

function signIn(page: Extract<Visit, { kind: 'page' }>): HtmlForm | undefined {
  return parseForms(page.html).find((f) => hasField(f, 'username') && hasField(f, 'password'));
}

/**
 * Signs in through the platform's HTML like a person in a browser would and returns the URL the platform finally
 * redirects to (the client's loopback callback with `code` and `state`, or with `error`), without fetching it.
 */
export async function completeAuthorization(
  authorizationUrl: string,
  username: string,
  password: string,
  options: { browser?: Browser } = {},
): Promise<string> {
  const browser = options.browser ?? new Browser();
  const home = new URL(authorizationUrl).origin;
  let visit = await browser.visit(authorizationUrl, {}, home);
  let submitted = false;
  while (visit.kind === 'page') {
    const form = signIn(visit);
    if (!form) throw new Error(`authorization stopped at ${visit.url.pathname} (HTTP ${visit.status}): ${errorOf(visit.html)}`);
    if (submitted) throw new Error(`sign-in refused: ${errorOf(visit.html)}`);
    submitted = true;
    visit = await browser.submit(visit, form, { username, password }, undefined, home);
  }
  return visit.url.href;
}

/**
 * Drives the device verification pages: enters the user code, then continues (signing in) or denies.
 * Resolves once the platform shows its success page (or, with `deny`, the denied notice); throws otherwise.
 */
export async function approveDevice(
  platform: { endpoints: { deviceVerification: string } },
  userCode: string,
  username: string,
  password: string,
  options: { deny?: boolean; browser?: Browser } = {},
): Promise<void> {
  const browser = options.browser ?? new Browser();
  const home = new URL(platform.endpoints.deviceVerification).origin;
  let visit = await browser.visit(platform.endpoints.deviceVerification, {}, home);
  const done = { code: false, confirm: false, login: false };
  for (let step = 0; step < 8; step += 1) {
    if (visit.kind === 'left') throw new Error(`device flow left the platform for ${visit.url.origin}`);
    const forms = parseForms(visit.html);
    const login = signIn(visit);
    const confirm = forms.find((f) => hasField(f, 'confirm'));
    const codeEntry = forms.find((f) => hasField(f, 'user_code') && !hasField(f, 'confirm'));
    if (login) {
      if (done.login) throw new Error(`sign-in refused: ${errorOf(visit.html)}`);
      done.login = true;
      visit = await browser.submit(visit, login, { username, password }, undefined, home);
    } else if (confirm) {
      if (done.confirm) throw new Error(`device confirmation shown twice: ${errorOf(visit.html)}`);
      done.confirm = true;
      const button = options.deny ? confirm.buttons.find((b) => b.name === 'abort') : confirm.buttons.find((b) => !b.name);
      if (!button) throw new Error(`no ${options.deny ? 'deny' : 'continue'} button on the confirmation page`);
      visit = await browser.submit(visit, confirm, {}, button, home);
    } else if (codeEntry) {
      if (done.confirm && options.deny) {
        if (/denied/i.test(visit.html)) return;
        throw new Error(`denying the device failed: ${errorOf(visit.html)}`);
      }
      if (done.code) throw new Error(`user code refused: ${errorOf(visit.html)}`);
      done.code = true;
      visit = await browser.submit(visit, codeEntry, { user_code: userCode }, codeEntry.buttons[0], home);
    } else {
      if (visit.status === 200 && done.confirm && !options.deny) return;
      throw new Error(`device flow stopped at ${visit.url.pathname} (HTTP ${visit.status}): ${errorOf(visit.html)}`);
    }
  }
  throw new Error('device flow did not finish');
}
