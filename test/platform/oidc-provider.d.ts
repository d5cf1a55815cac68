// The slice of oidc-provider 9 (which ships no types) that the local platform uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type Payload = Record<string, unknown>;

  export interface AdapterPayload extends Payload {
    accountId?: string;
    clientId?: string;
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
    jti?: string;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    client_name?: string;
    application_type?: 'web' | 'native';
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    token_endpoint_auth_method?: string;
    jwks?: { keys: Payload[] };
    [key: string]: unknown;
  }

  export interface Client {
    clientId: string;
    clientName?: string;
    clientAuthMethod: string;
    redirectUris: string[];
    /** The scopes the client may ask for (space-separated), where it is restricted. */
    scope?: string;
    grantTypeAllowed(type: string): boolean;
    redirectUriAllowed(value: string): boolean;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: Payload, rejected: string[]): Promise<Payload> | Payload;
  }

  export interface OIDCContext {
    params: Record<string, unknown>;
    body?: Record<string, unknown>;
    client?: Client;
    route?: string;
    entity(name: string, value: unknown): void;
  }

  export interface KoaContextWithOIDC {
    oidc: OIDCContext;
    method: string;
    path: string;
    querystring: string;
    status: number;
    body: unknown;
    type: string;
    req: IncomingMessage;
    res: ServerResponse;
    get(field: string): string;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export interface BaseToken {
    jti: string;
    kind: string;
    clientId?: string;
    accountId?: string;
    grantId?: string;
    scope?: string;
    exp?: number;
    iat?: number;
    isValid: boolean;
    isExpired: boolean;
    expiration: number;
    tokenType: string;
    save(): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface TokenClass<T extends BaseToken = BaseToken> {
    new (properties: Payload): T;
    find(value: string, options?: { ignoreExpiration?: boolean }): Promise<T | undefined>;
  }

  export interface Grant {
    jti: string;
    accountId: string;
    clientId: string;
    isExpired: boolean;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    getOIDCScopeFiltered(scopes: Set<string>): string;
    save(ttl?: number): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface GrantClass {
    new (properties: { accountId: string; clientId: string }): Grant;
    find(id: string, options?: { ignoreExpiration?: boolean }): Promise<Grant | undefined>;
  }

  export interface IdToken {
    scope: string;
    set(key: string, value: unknown): void;
    issue(options: { use: 'idtoken' }): Promise<string>;
  }

  export interface IdTokenClass {
    new (claims: Payload, options: { ctx: KoaContextWithOIDC }): IdToken;
  }

  export interface InteractionDetails {
    uid: string;
    returnTo: string;
    grantId?: string;
    params: Record<string, unknown>;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    session?: { accountId?: string; uid?: string };
  }

  export interface InteractionResults {
    login?: { accountId: string; remember?: boolean; amr?: string[] };
    consent?: { grantId: string };
    error?: string;
    error_description?: string;
  }

  export type Configuration = Record<string, unknown>;

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    Grant: GrantClass;
    AccessToken: TokenClass;
    RefreshToken: TokenClass;
    ClientCredentials: TokenClass;
    IdToken: IdTokenClass;
    Client: { find(id: string): Promise<Client | undefined>; prototype: Client };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: Middleware): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    registerGrantType(
      name: string,
      handler: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>,
      params?: string | string[] | Set<string>,
    ): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  class OIDCProviderError extends Error {
    constructor(description?: string, detail?: string);
    error: string;
    error_description?: string;
    statusCode: number;
  }

  export const errors: {
    OIDCProviderError: typeof OIDCProviderError;
    InvalidGrant: typeof OIDCProviderError;
    InvalidRequest: typeof OIDCProviderError;
    InvalidClientAuth: typeof OIDCProviderError;
    InvalidScope: typeof OIDCProviderError;
    SessionNotFound: typeof OIDCProviderError;
  };

  export default Provider;
}
