// Terraform and OpenTofu: terraform-credentials-amplify get|store|forget <host>, and `setup terraform --host`
// (a credentials_helper block in the CLI config, and the launcher in ~/.terraform.d/plugins).
import { constants, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveBinding } from '../accounts/bindings.js';
import { dropBoundAccessToken, getAccessToken } from '../accounts/tokens.js';
import type { Context } from '../context.js';
import type { HelperAnswer, HelperContext } from '../credential/io.js';
import { AmplifyError, usageError } from '../errors.js';
import { formatTerraformCredentials, parseTerraformArgs, parseTerraformStore, normalizeTerraformHost } from '../protocols/terraform.js';
import { eolOf, exists, home as HOME, readTextOptional, shellQuote, writeLauncher, writeToolFile } from '../setup/files.js';
import { terraformHelperPath } from '../setup/paths.js';
import { readConfig } from '../store/config.js';
import { readOptionalFile } from '../store/files.js';
import { mutateState, readState } from '../store/state.js';
import { terraformKey } from '../store/tokens.js';
import type { ToolEntry, ToolChange, ToolSetup } from './types.js';

export const terraform = {
  name: 'terraform',
  executable: 'terraform-credentials-amplify',
  credential: {
    description: "Terraform's credentials helper protocol (terraform-credentials-amplify)",
    examples: [['What Terraform would do', '$0 credential terraform get registry.example.com']],
    args: [
      { kind: 'positional', name: 'get|store|forget' },
      { kind: 'positional', name: 'host' },
    ],
    call: (args) => ({
      handler: (ctx, _action, input) => terraformCredential(ctx, args, input),
      action: args.at(-2),
      readsStdin: args.at(-2) === 'store',
      errorsOnStdout: false,
    }),
  },
  setup: {
    flag: '--host',
    flagDescription: 'host[:port] of the registry or service',
    description: "make Terraform and OpenTofu ask amplify for a host's token",
    details:
      'Adds `credentials_helper "amplify" {}` to the CLI config (TF_CLI_CONFIG_FILE, else ~/.terraformrc; ~/.tofurc as well where it exists), keeping every other byte, and installs the helper as ~/.terraform.d/plugins/terraform-credentials-amplify.',
    examples: [
      ['Bind a module or provider registry', '$0 auth setup terraform --host registry.example.com'],
      ['Undo', '$0 auth setup terraform --host registry.example.com --remove'],
    ],
    target: (host) => host,
    // This module's own setup code, loaded from itself: a stand-in in the helpers' tiers (tsup.config.ts).
    load: () => import('./terraform.js').then((m) => m.terraformSetup),
  },
} as const satisfies ToolEntry;

// terraform-credentials-amplify: bound hosts get the account's token; other hosts keep what `store` gave.
const failed = (message: string, exitCode = 1): HelperAnswer => ({ stdout: '', stderr: `terraform-credentials-amplify: ${message}`, exitCode });

export async function terraformCredential(ctx: HelperContext, args: string[], input: Buffer): Promise<HelperAnswer> {
  const request = parseTerraformArgs(args);
  if (typeof request === 'string') return failed(request, 2);
  const { action, host } = request;
  const config = await readConfig(ctx);
  const bound = resolveBinding(config, 'terraform', host);
  if (action === 'get') {
    if (bound) {
      // A failure (an account that needs a new login) is Terraform's error to show: one line on stderr, exit 1.
      const { token } = await getAccessToken(ctx, { account: bound.account, config });
      return { stdout: formatTerraformCredentials({ token }), exitCode: 0 };
    }
    const stored = (await readState(ctx)).secrets[terraformKey(host)];
    return { stdout: formatTerraformCredentials(stored?.kind === 'terraform' ? stored.credentials : null), exitCode: 0 };
  }
  if (action === 'store') {
    const credentials = parseTerraformStore(input);
    if (credentials === null) return failed('store needs a JSON object on stdin');
    // A bound host gets fresh tokens from its account: what `terraform login` obtained is not kept.
    if (bound) return { stdout: '', exitCode: 0 };
    await mutateState(
      ctx,
      (state) => {
        state.secrets[terraformKey(host)] = { kind: 'terraform', host, credentials };
      },
      { probe: true },
    );
    return { stdout: '', exitCode: 0 };
  }
  if (bound) {
    await dropBoundAccessToken(ctx, config, bound.account);
    return { stdout: '', exitCode: 0 };
  }
  // Nothing stored, nothing to write (and the fast tier answers it).
  if ((await readState(ctx)).secrets[terraformKey(host)]?.kind !== 'terraform') return { stdout: '', exitCode: 0 };
  await mutateState(ctx, (state) => {
    if (state.secrets[terraformKey(host)]?.kind === 'terraform') delete state.secrets[terraformKey(host)];
  });
  return { stdout: '', exitCode: 0 };
}

// `amplify auth setup terraform`: the `credentials_helper "amplify" {}` block in Terraform's CLI config (and
// OpenTofu's), and the launcher Terraform finds in ~/.terraform.d/plugins. Every other byte of those files stays.
/** The line setup writes, and the one --remove takes out again (a block someone wrote by hand stays theirs). */
export const TERRAFORM_BLOCK = 'credentials_helper "amplify" {}';
const OUR_LINE = /^[ \t]*credentials_helper[ \t]+"amplify"[ \t]*\{[ \t]*\}[ \t]*$/;
const ANY_HELPER = /^[ \t]*credentials_helper[ \t]+"?([^"\s{]*)"?[ \t]*\{/m;
/** What marks a launcher as ours, so that --remove never deletes someone else's plugin. */
const LAUNCHER_MARK = '# amplify-auth: Terraform credentials helper launcher';

export const terraformLauncherPath = (ctx: Pick<Context, 'env'>): string => join(HOME(ctx), '.terraform.d', 'plugins', 'terraform-credentials-amplify');

/** Terraform's CLI config: TF_CLI_CONFIG_FILE, else ~/.terraformrc. */
const terraformConfigFile = (ctx: Pick<Context, 'env'>): string => ctx.env.TF_CLI_CONFIG_FILE || join(HOME(ctx), '.terraformrc');

/** Terraform's CLI config, and OpenTofu's ~/.tofurc where it exists. */
export async function terraformConfigFiles(ctx: Pick<Context, 'env'>): Promise<string[]> {
  const main = terraformConfigFile(ctx);
  const tofu = join(HOME(ctx), '.tofurc');
  return tofu !== main && (await readOptionalFile(tofu)) !== undefined ? [main, tofu] : [main];
}

/** The launcher: node and this package's helper by absolute path (Terraform runs plugins without a shell's PATH lookups of ours). No token. */
export const terraformLauncher = (): string => `#!/bin/sh\n${LAUNCHER_MARK} (written by \`amplify auth setup terraform\`; no token in it)\nexec ${shellQuote(process.execPath)} ${shellQuote(terraformHelperPath())} "$@"\n`;

export async function configureTerraform(ctx: Pick<Context, 'env'>): Promise<ToolChange> {
  const files = await terraformConfigFiles(ctx);
  const plans: Array<{ file: string; next: string | null }> = [];
  // Every file checked before any is written: Terraform takes one credentials_helper block only.
  for (const file of files) {
    const current = await readTextOptional(file);
    const helper = ANY_HELPER.exec(current)?.[1];
    if (helper === 'amplify') plans.push({ file, next: null });
    else if (helper !== undefined) throw new AmplifyError('ECONFIG', `${file} already names credentials_helper "${helper}", and Terraform takes only one; remove that block first (amplify left the file unchanged).`);
    else {
      const eol = eolOf(current);
      plans.push({ file, next: `${current}${current === '' || current.endsWith('\n') ? '' : eol}${TERRAFORM_BLOCK}${eol}` });
    }
  }
  const changed: string[] = [];
  for (const { file, next } of plans) {
    if (next === null) changed.push(`${file}: ${TERRAFORM_BLOCK} (already there)`);
    else {
      await writeToolFile(file, next);
      changed.push(`${file}: ${TERRAFORM_BLOCK}`);
    }
  }
  const launcher = terraformLauncherPath(ctx);
  await writeLauncher(launcher, terraformLauncher(), 0o755);
  changed.push(`${launcher}: runs ${terraformHelperPath()}`);
  return { changed, notes: [] };
}

/** Undoes configureTerraform, once no host is bound for terraform any more (the block and launcher serve them all). */
export async function unconfigureTerraform(ctx: Pick<Context, 'env'>): Promise<ToolChange> {
  const changed: string[] = [];
  for (const file of await terraformConfigFiles(ctx)) {
    const current = await readTextOptional(file);
    if (current === '') continue;
    const lines = current.split(/(?<=\n)/);
    const kept = lines.filter((line) => !OUR_LINE.test(line.replace(/\r?\n$/, '')));
    if (kept.length === lines.length) continue;
    await writeToolFile(file, kept.join(''));
    changed.push(`${file}: removed ${TERRAFORM_BLOCK}`);
  }
  const launcher = terraformLauncherPath(ctx);
  if ((await readTextOptional(launcher)).includes(LAUNCHER_MARK)) {
    await rm(launcher, { force: true });
    changed.push(`${launcher}: removed`);
  }
  return { changed, notes: [] };
}

export const terraformSetup: ToolSetup = {
  bindingHosts(target) {
    const key = normalizeTerraformHost(target);
    if (!key) throw usageError(`--host "${target}" is not a host[:port]; for example registry.example.com or 127.0.0.1:8443 (no scheme, no path).`);
    return [key];
  },

  configure: (ctx) => configureTerraform(ctx),

  async unconfigure(ctx, _request, hosts) {
    // One block and one launcher serve every bound host: they go with the last binding.
    return (await readConfig(ctx)).bindings.some((b) => b.tool === 'terraform' && b.host !== hosts[0]) ? { changed: [], notes: [] } : unconfigureTerraform(ctx);
  },

  async check(ctx) {
    const helper = terraformLauncherPath(ctx);
    if (!(await exists(helper, constants.X_OK))) return { ok: false, detail: `${helper} is not installed (or cannot be run)` };
    const file = terraformConfigFile(ctx);
    if (!/credentials_helper\s+"amplify"/.test(await readFile(file, 'utf8').catch(() => ''))) return { ok: false, detail: `${file} has no credentials_helper "amplify" block` };
    return { ok: true, detail: `${file} names the amplify credentials helper; ${helper} is installed` };
  },
};
