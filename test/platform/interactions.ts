// The sign-in step of authorization and device flows: a username/password form, then every requested scope granted (no consent page).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, Provider } from 'oidc-provider';
import { findPerson } from './data.js';
import { errorPage, loginPage } from './pages.js';

const MAX_FORM_BYTES = 64 * 1024;

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

/** Grants everything the client asked for: the platform plays a realm whose clients are all first-party. */
async function grantRequested(provider: Provider, details: InteractionDetails, accountId: string): Promise<string> {
  const clientId = String(details.params.client_id);
  let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  if (!grant || grant.accountId !== accountId) grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope(typeof details.params.scope === 'string' ? details.params.scope : 'openid');
  if (typeof details.params.claims === 'string') {
    try {
      const requested = JSON.parse(details.params.claims) as { id_token?: object; userinfo?: object };
      grant.addOIDCClaims([...Object.keys(requested.id_token ?? {}), ...Object.keys(requested.userinfo ?? {})]);
    } catch {
      // oidc-provider has already rejected malformed claims requests
    }
  }
  const missing = details.prompt.details.missingResourceScopes as Record<string, string[]> | undefined;
  for (const [resource, scopes] of Object.entries(missing ?? {})) grant.addResourceScope(resource, scopes.join(' '));
  return grant.save();
}

export function createInteractionHandler(provider: Provider) {
  async function clientName(details: InteractionDetails): Promise<string> {
    const client = await provider.Client.find(String(details.params.client_id));
    return client?.clientName ?? client?.clientId ?? 'the application';
  }

  async function finish(req: IncomingMessage, res: ServerResponse, details: InteractionDetails, accountId: string, login: boolean): Promise<void> {
    const grantId = await grantRequested(provider, details, accountId);
    await provider.interactionFinished(
      req,
      res,
      { ...(login ? { login: { accountId, amr: ['pwd'] } } : {}), consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }

  /** Serves `/interaction/:uid`, `/interaction/:uid/login` (POST) and `/interaction/:uid/abort`. Returns false for other paths. */
  return async function handleInteraction(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(pathname);
    if (!match) return false;
    const [, uid, action] = match;
    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(req, res);
      if (details.uid !== uid) throw new Error('interaction mismatch');
    } catch {
      sendHtml(res, 400, errorPage({ error: 'invalid_request', error_description: 'This sign-in request has expired or is unknown. Start again from your application.' }));
      return true;
    }

    if (action === 'abort') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
      return true;
    }

    if (action === 'login') {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return true;
      }
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      const person = findPerson(username);
      if (!person || person.password !== (form.get('password') ?? '')) {
        sendHtml(res, 200, loginPage({ uid: details.uid, clientName: await clientName(details), username, error: 'Invalid username or password.' }));
        return true;
      }
      await finish(req, res, details, person.sub, true);
      return true;
    }

    // Already signed in and only consent is pending: grant it without asking.
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'login' && accountId) {
      await finish(req, res, details, accountId, false);
      return true;
    }
    sendHtml(res, 200, loginPage({ uid: details.uid, clientName: await clientName(details) }));
    return true;
  };
}
