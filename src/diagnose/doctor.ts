// `amplify auth doctor`: the whole chain on this machine, one check a line, each failure with what fixes it (as GCM's diagnose).
import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EXECUTABLES } from '../bin/entries.js';
import { setupCommand } from '../accounts/bindings.js';
import type { Context } from '../context.js';
import { exists, onPath } from '../setup/files.js';
import { amplifyBinPath } from '../setup/paths.js';
import { configPath, readConfig, type ConfigFile, type HostBinding } from '../store/config.js';
import { chooseTokenStore, keyringEntry } from '../store/tokens.js';
import { toolNamed } from '../tools/index.js';
import { describeRoute } from './network.js';

export interface Check {
  id: string;
  ok: boolean;
  detail: string;
  /** What to run or do; null when the check passed. */
  fix: string | null;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

export type DoctorContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'fetch' | 'now' | 'runTool'>;

/** Past this much difference from an issuer's clock, signed assertions and ID tokens start to be refused. */
export const CLOCK_SKEW_LIMIT_S = 60;
/** The package's executables, from the entry table. */
const HELPERS = Object.keys(EXECUTABLES);

const pass = (id: string, detail: string): Check => ({ id, ok: true, detail, fix: null });
const fail = (id: string, detail: string, fix: string): Check => ({ id, ok: false, detail, fix });
const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

export async function runDoctor(ctx: DoctorContext): Promise<DoctorReport> {
  const checks: Check[] = [];
  const guard = async (id: string, fn: () => Promise<Check | Check[]>): Promise<void> => {
    try {
      const result = await fn();
      checks.push(...(Array.isArray(result) ? result : [result]));
    } catch (error) {
      checks.push(fail(id, `the check itself failed: ${(error as Error).message}`, 'run again with AMPLIFY_DEBUG=1 and report what it says'));
    }
  };
  await guard('config-dir', () => checkConfigDir(ctx));
  let config: ConfigFile | undefined;
  await guard('config-file', async () => {
    const result = await checkConfigFile(ctx);
    config = result.config;
    return result.check;
  });
  await guard('token-store', () => checkTokenStore(ctx, config));
  await guard('keyring', () => checkKeyring(ctx, config));
  for (const issuer of [...new Set(Object.values(config?.accounts ?? {}).map((a) => a.issuer))].sort()) {
    await guard(`issuer:${issuer}`, () => checkIssuer(ctx, issuer));
  }
  for (const binding of config?.bindings ?? []) await guard(`binding:${binding.tool}:${binding.host}`, () => checkBinding(ctx, config!, binding));
  await guard('helpers-on-path', () => checkHelpersOnPath(ctx, config));
  return { ok: checks.every((c) => c.ok), checks };
}

/** Mode and owner of a state file or directory: nobody else may write it (and, for files, read it). */
function modeProblem(path: string, info: { mode: number; uid: number }, kind: 'directory' | 'file'): string | undefined {
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) return `${path} belongs to uid ${info.uid}, not to you (uid ${uid})`;
  const others = kind === 'directory' ? 0o022 : 0o077;
  if ((info.mode & others) !== 0) return `${path} is ${octal(info.mode)}: ${info.mode & 0o022 ? 'others can write it' : 'others can read it'}`;
  return undefined;
}

async function checkConfigDir(ctx: DoctorContext): Promise<Check> {
  const dir = ctx.configDir;
  const info = await lstat(dir).catch(() => undefined);
  if (!info) return pass('config-dir', `${dir} does not exist yet (the first login creates it)`);
  if (info.isSymbolicLink()) return fail('config-dir', `${dir} is a symbolic link, which amplify does not follow`, `move the directory it points to into ${dir}, or set AMPLIFY_HOME`);
  if (!info.isDirectory()) return fail('config-dir', `${dir} is not a directory`, `move it away, or set AMPLIFY_HOME to another directory`);
  const problem = modeProblem(dir, info, 'directory');
  return problem ? fail('config-dir', problem, `chmod 700 ${dir}${problem.includes('belongs to') ? ` (as its owner), or set AMPLIFY_HOME` : ''}`) : pass('config-dir', `${dir} (${octal(info.mode)}, yours)`);
}

async function checkConfigFile(ctx: DoctorContext): Promise<{ check: Check; config?: ConfigFile }> {
  const file = configPath(ctx);
  const info = await lstat(file).catch(() => undefined);
  if (!info) return { check: pass('config-file', `${file} does not exist yet (no login so far)`), config: undefined };
  const problem = modeProblem(file, info, 'file');
  if (info.isSymbolicLink()) return { check: fail('config-file', `${file} is a symbolic link, which amplify does not follow`, `replace it with the file it points to`) };
  let config: ConfigFile;
  try {
    config = await readConfig(ctx);
  } catch (error) {
    return { check: fail('config-file', (error as Error).message, problem ? `chmod 600 ${file}` : `repair ${file}, or move it away and log in again`) };
  }
  if (problem) return { check: fail('config-file', problem, `chmod 600 ${file}`), config };
  const accounts = Object.keys(config.accounts).length;
  return { check: pass('config-file', `${file} parses (${octal(info.mode)}; ${accounts} account${accounts === 1 ? '' : 's'}, ${config.bindings.length} binding${config.bindings.length === 1 ? '' : 's'})`), config };
}

async function checkTokenStore(ctx: DoctorContext, config: ConfigFile | undefined): Promise<Check> {
  const { store } = await chooseTokenStore(ctx, config?.auth.tokenStore, false);
  const origin = ctx.env.AMPLIFY_TOKEN_STORE ? 'AMPLIFY_TOKEN_STORE' : config?.auth.tokenStore ? 'auth.tokenStore in config.json' : 'the default';
  if (!store.location) return pass('token-store', `${store.kind} (from ${origin}): ${store.durable ? 'kept outside amplify\'s files' : 'tokens last only as long as each process; every new process needs a login'}`);
  const info = await lstat(store.location).catch(() => undefined);
  if (!info) {
    const accounts = Object.keys(config?.accounts ?? {});
    if (accounts.length === 0) return pass('token-store', `${store.kind} (from ${origin}): ${store.location}, not created yet`);
    return fail('token-store', `${store.kind} (from ${origin}): ${store.location} is missing, so ${accounts.join(', ')} have no tokens`, 'log in again: amplify auth status names the command for each account');
  }
  const problem = modeProblem(store.location, info, 'file');
  if (problem) return fail('token-store', problem, `chmod 600 ${store.location}`);
  try {
    await store.read();
  } catch (error) {
    return fail('token-store', (error as Error).message, `move ${store.location} away and log in again`);
  }
  return pass('token-store', `${store.kind} (from ${origin}): ${store.location} (${octal(info.mode)}) reads`);
}

/** Whether the OS keyring answers, by reading (never writing) the entry the keyring store would use. */
async function checkKeyring(ctx: DoctorContext, config: ConfigFile | undefined): Promise<Check> {
  const { store } = await chooseTokenStore(ctx, config?.auth.tokenStore, false);
  const { service, account } = keyringEntry(ctx.configDir);
  try {
    const keyring = await ctx.keyring();
    const key = keyring.get(service, account);
    if (store.kind === 'keyring' && !key && (await exists(store.location!))) {
      return fail('keyring', `the keyring answers but holds no data key for ${store.location}, so its tokens cannot be read`, 'log in again (amplify auth status names the command for each account)');
    }
    return pass('keyring', `the OS keyring answers${store.kind === 'keyring' ? ' and holds the token store\'s key' : ` (the store in use is ${store.kind})`}`);
  } catch (error) {
    const why = (error as Error).message;
    if (store.kind === 'keyring') return fail('keyring', `no OS keyring answers (${why}), and the token store in use is the keyring`, 'unlock the keyring (or start a Secret Service such as gnome-keyring), or set AMPLIFY_TOKEN_STORE=file and log in again');
    return pass('keyring', `no OS keyring answers (${why}); the store in use is ${store.kind}, which does not need one`);
  }
}

/** Reachable (its discovery document, through the route the environment asks for), and its clock against ours. */
async function checkIssuer(ctx: DoctorContext, issuer: string): Promise<Check[]> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const route = describeRoute(url, ctx.env);
  const sent = ctx.now();
  let response: Response;
  try {
    response = await ctx.fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual' });
  } catch (error) {
    // fetch's own failure is 'fetch failed'; what went wrong (a timeout, a certificate, the proxy's refusal) is its cause.
    const why = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    return [
      fail(
        `issuer:${issuer}`,
        `${issuer} cannot be reached, ${route}: ${why}`,
        `check the network and HTTPS_PROXY/NO_PROXY${/certificate|self.signed|CERT_|unable to verify/i.test(why) ? ', and point NODE_EXTRA_CA_CERTS at the PEM file of the CA that signed its certificate' : ''}; if the issuer moved, log in again with --issuer (or --env)`,
      ),
    ];
  }
  const received = ctx.now();
  await response.arrayBuffer().catch(() => undefined);
  const checks: Check[] = [
    response.ok
      ? pass(`issuer:${issuer}`, `${issuer} answers its discovery document, ${route}`)
      : fail(`issuer:${issuer}`, `${issuer} answered its discovery document with HTTP ${response.status}, ${route}`, 'check the issuer URL (a login with --issuer or --env sets it) and any proxy in between'),
  ];
  const date = Date.parse(response.headers.get('date') ?? '');
  if (Number.isNaN(date)) checks.push(pass(`clock:${issuer}`, `${issuer} sends no Date header to compare clocks with`));
  else {
    // The Date header has whole seconds: compare with the middle of the round trip, and allow its rounding.
    const skew = Math.round((date - (sent + received) / 2) / 1000);
    const detail = `this machine's clock is ${Math.abs(skew)} s ${skew > 0 ? 'behind' : 'ahead of'} ${issuer}'s`;
    checks.push(Math.abs(skew) > CLOCK_SKEW_LIMIT_S ? fail(`clock:${issuer}`, `${detail} (more than ${CLOCK_SKEW_LIMIT_S} s: signed logins and ID tokens may be refused)`, 'synchronise the clock (timedatectl set-ntp true, or your system\'s time settings)') : pass(`clock:${issuer}`, Math.abs(skew) <= 1 ? `in step with ${issuer}` : detail));
  }
  return checks;
}


async function checkBinding(ctx: DoctorContext, config: ConfigFile, binding: HostBinding): Promise<Check> {
  const id = `binding:${binding.tool}:${binding.host}`;
  const account = binding.account ?? '(default account)';
  if (binding.account && !config.accounts[binding.account]) {
    return fail(id, `bound to ${binding.account}, which is logged out`, binding.login ? `${binding.login}, or ${setupCommand(binding, '--account <name>')}` : setupCommand(binding, '--account <name>'));
  }
  // Each tool's wiring is its setup's to check (`<tool>Setup` in src/tools/<tool>.ts): what its own configuration must say for the binding to be used.
  const tool = toolNamed(binding.tool);
  if (!tool) return fail(id, `amplify does not know the tool "${binding.tool}"`, `amplify auth setup ${binding.tool} … --remove, or edit config.json`);
  const result = await (await tool.setup.load()).check(ctx, binding);
  return result.ok ? pass(id, `${account}: ${result.detail}`) : fail(id, `${account}: ${result.detail}`, result.fix ?? setupCommand(binding, binding.account ? `--account ${binding.account}` : ''));
}

async function checkHelpersOnPath(ctx: DoctorContext, config: ConfigFile | undefined): Promise<Check> {
  const missing: string[] = [];
  for (const helper of HELPERS) if (!(await onPath(ctx, helper))) missing.push(helper);
  const dir = dirname(amplifyBinPath());
  if (missing.length === 0) return pass('helpers-on-path', `${HELPERS.join(', ')} are on PATH`);
  // docker finds its helper only on PATH; git and kubectl are given absolute paths by setup.
  const needed = missing.includes('docker-credential-amplify') && (config?.bindings ?? []).some((b) => b.tool === 'docker');
  const detail = `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not on PATH (they are in ${dir})${needed ? '; docker needs docker-credential-amplify there' : ''}`;
  return fail('helpers-on-path', detail, `npm link in the package (or npm install -g amplify-auth), or add ${dir} to PATH`);
}
