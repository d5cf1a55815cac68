// Shared by the helpers-*.test.ts files: logging sandboxes in, running the helper executables, and skipping where a tool is missing.
import { join } from 'node:path';
import type { Platform } from './platform/index.js';
import { HELPERS, json, type RunResult, type Sandbox } from './support/cli.js';

export { has, missingTool, needs } from './support/tools.js';

export const GIT_HELPER = join(HELPERS, 'git-credential-amplify');
export const DOCKER_HELPER = join(HELPERS, 'docker-credential-amplify');

export const issuerFlags = (platform: Platform): string[] => ['--base-url', platform.baseUrl, '--platform-url', platform.platformUrl];

/** Logs a client-secret service account in (the secret through the environment, never argv). */
export async function loginSecret(box: Sandbox, platform: Platform, sa: { clientId: string; clientSecret: string } = platform.serviceAccounts.secret): Promise<void> {
  const out = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', sa.clientId], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } });
  if (out.code !== 0) throw new Error(`login ${sa.clientId} failed (exit ${out.code}): ${out.stderr}`);
}

export async function loginKey(box: Sandbox, platform: Platform, sa: { clientId: string; keyFile: string } = platform.serviceAccounts.rsa): Promise<void> {
  const out = await box.amplify(['auth', 'login', ...issuerFlags(platform), '--client-id', sa.clientId, '--secret-file', sa.keyFile]);
  if (out.code !== 0) throw new Error(`login ${sa.clientId} failed (exit ${out.code}): ${out.stderr}`);
}

/** A person, with the password grant (refresh token included), named `amplify-cli:<email>`. */
export async function loginPerson(box: Sandbox, platform: Platform, username: string): Promise<string> {
  const person = platform.people.find((p) => p.username === username)!;
  const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--username', person.username, '--json'], { env: { AMPLIFY_PASSWORD: person.password } });
  if (out.code !== 0) throw new Error(`login ${username} failed (exit ${out.code}): ${out.stderr}`);
  return json<{ name: string }>(out).name;
}

export async function token(box: Sandbox, account?: string): Promise<string> {
  const out = await box.amplify(['auth', 'token', ...(account ? ['--account', account] : [])]);
  if (out.code !== 0) throw new Error(`token failed (exit ${out.code}): ${out.stderr}`);
  return out.stdout.trim();
}

export async function mustRun(box: Sandbox, args: string[], env?: Record<string, string>): Promise<RunResult> {
  const out = await box.amplify(args, { env });
  if (out.code !== 0) throw new Error(`amplify ${args.join(' ')} failed (exit ${out.code}): ${out.stderr}`);
  return out;
}

/** Runs a helper executable from helpers/ the way git or docker do: action in argv, request on stdin. */
export function helper(box: Sandbox, path: string, action: string, input = '', env?: Record<string, string>): Promise<RunResult> {
  return box.run(path, [action], { input, env });
}

export const lastSeen = (list: string[]): string | undefined => list[list.length - 1];
