// Terraform's (and OpenTofu's) credentials-helper protocol: `get|store|forget <host>` in argv, JSON on stdin and stdout.
// https://developer.hashicorp.com/terraform/internals/credentials-helpers
import { decodeJsonObject } from './hosts.js';

export type TerraformAction = 'get' | 'store' | 'forget';

export interface TerraformRequest {
  action: TerraformAction;
  /** The hostname as Terraform gives it (host[:port]), lowercased, :443 dropped: what bindings are matched on. */
  host: string;
}

const MAX_STORE_BYTES = 64 * 1024;
// A DNS name or an IPv4 address, an optional port: Terraform's svchost forms (an IPv6 literal is not a registry host there).
const HOST = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::([0-9]{1,5}))?$/;

/** host[:port] as bindings key it, or null when it is not one. */
export function normalizeTerraformHost(input: string): string | null {
  const match = HOST.exec(input.toLowerCase());
  if (!match) return null;
  const port = match[2];
  if (port === undefined) return match[1]!;
  const n = Number(port);
  if (n < 1 || n > 65535 || port.startsWith('0')) return null;
  return n === 443 ? match[1]! : `${match[1]}:${n}`;
}

/**
 * The request in argv: Terraform puts the block's `args` first and `<verb> <hostname>` last, so the last two are
 * read. A string saying what is wrong, for stderr, when they are not a request.
 */
export function parseTerraformArgs(args: readonly string[]): TerraformRequest | string {
  if (args.length < 2) return `usage: terraform-credentials-amplify get|store|forget <host> (Terraform runs it so)`;
  const [action, raw] = args.slice(-2) as [string, string];
  if (action !== 'get' && action !== 'store' && action !== 'forget') return `unknown action "${action}"; Terraform calls it with get, store or forget`;
  const host = normalizeTerraformHost(raw);
  if (host === null) return `"${raw}" is not a host[:port]`;
  return { action, host };
}

/** The JSON object `store` reads from stdin to EOF; null when it is not one. */
export function parseTerraformStore(input: string | Uint8Array): Record<string, unknown> | null {
  return decodeJsonObject(input, MAX_STORE_BYTES);
}

/** What `get` prints: `{"token":"..."}` for a token, the stored object as it was given, `{}` for nothing. */
export function formatTerraformCredentials(credentials: Readonly<Record<string, unknown>> | null): string {
  return `${JSON.stringify(credentials ?? {})}\n`;
}
