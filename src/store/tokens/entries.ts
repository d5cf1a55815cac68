// What the token store keeps: one entry per account, stored docker credential or Terraform object, under its key.

export interface AccountSecrets {
  kind: 'account';
  accessToken?: string;
  /** Epoch milliseconds; null when the issuer did not say. */
  accessExpiresAt?: number | null;
  refreshToken?: string;
  refreshExpiresAt?: number | null;
  /** Epoch milliseconds by the local clock when the access token arrived: one in the future means a clock that was ahead. */
  receivedAt?: number;
  idToken?: string;
  /** Service accounts keep what re-runs their grant (the login methods' own secrets: see ACCOUNT_SECRET_FIELDS). */
  clientSecret?: string;
  privateKey?: string;
}

/**
 * Every field of an account's entry that is a secret, masked wherever it is read (tokens/mask.ts). The tokens every
 * account has, then what the login methods keep to re-run their grant (client-secret: clientSecret; signed-jwt:
 * privateKey): a login method that keeps another secret adds its field here and to AccountSecrets.
 */
export const ACCOUNT_SECRET_FIELDS = ['accessToken', 'refreshToken', 'idToken', 'clientSecret', 'privateKey'] as const satisfies ReadonlyArray<keyof AccountSecrets>;

export interface RegistrySecret {
  kind: 'docker';
  serverURL: string;
  username: string;
  secret: string;
}

/** What Terraform's `store` gave for a host no account is bound to (`{"token": ...}` as a rule), kept as given. */
export interface TerraformSecret {
  kind: 'terraform';
  host: string;
  credentials: Record<string, unknown>;
}

export type SecretEntry = AccountSecrets | RegistrySecret | TerraformSecret;
export type SecretMap = Record<string, SecretEntry>;

export const accountKey = (name: string): string => `account:${name}`;
export const registryKey = (serverURL: string): string => `docker:${serverURL}`;
export const terraformKey = (host: string): string => `terraform:${host}`;

/** The JSON inside tokens.json and (sealed) tokens.enc. */
export interface Envelope {
  entries: SecretMap;
}
