// `npm run demo`: the whole job end to end on the local platform, in a throwaway HOME; says what happens at each step, never a token.
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startPlatform, type Platform } from './index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AMPLIFY_BIN = join(ROOT, 'dist', 'amplify.js');
const HELPERS = join(ROOT, 'helpers');

export interface DemoOptions {
  /** Where each line of the narration goes; default stdout. */
  write?: (line: string) => void;
  /** Use this directory as HOME (it is kept); default a fresh temporary one, removed at the end. */
  home?: string;
  /** Keep the temporary HOME and say where it is. */
  keep?: boolean;
  /** false: ask the docker helper directly even where skopeo is installed; default: skopeo when it is on PATH. */
  skopeo?: boolean;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

class DemoError extends Error {}

/** Runs the demo; resolves when every step worked, rejects with the step that did not. The platform is always stopped. */
export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Everything printed passes through here: values registered as secret never reach the screen.
  const secrets = new Set<string>();
  const say = (text = '') => {
    let masked = text;
    for (const secret of secrets) masked = masked.split(secret).join('***');
    for (const line of masked.split('\n')) write(line);
  };
  let stepNumber = 0;
  const step = (title: string) => say(`\n[${++stepNumber}] ${title}`);

  try {
    await access(AMPLIFY_BIN);
  } catch {
    throw new DemoError(`${AMPLIFY_BIN} is missing: run \`npm run build\` first (\`npm run demo\` does).`);
  }

  const ownHome = options.home === undefined;
  const home = options.home ? resolve(options.home) : await mkdtemp(join(tmpdir(), 'amplify-demo-'));
  let platform: Platform | undefined;
  try {
    step('Start the local platform (a real OpenID provider with a git server, a registry, npm and kube endpoints)');
    platform = await startPlatform({ quiet: true });
    await mkdir(home, { recursive: true });
    const sa = platform.serviceAccounts.secret;
    secrets.add(sa.clientSecret);
    const hostPort = `127.0.0.1:${platform.port}`;
    say(`    issuer     ${platform.issuer}`);
    say(`    git        ${platform.urls.git}`);
    say(`    registry   ${platform.urls.registry}/demo:latest`);

    // A throwaway HOME: amplify's config, git's global config and docker's config all land there.
    // Tokens go to a file in it too (AMPLIFY_TOKEN_STORE=file), so the demo never touches your OS keyring.
    const env: Record<string, string> = {
      PATH: `${HELPERS}${delimiter}${process.env.PATH ?? ''}`,
      HOME: home,
      AMPLIFY_HOME: join(home, '.config', 'amplify'),
      AMPLIFY_TOKEN_STORE: 'file',
      DOCKER_CONFIG: join(home, '.docker'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      LANG: 'C.UTF-8',
    };
    say(`    HOME       ${home} (throwaway: amplify, git and docker configuration go here; tokens in a 0600 file there, not your keyring)`);

    const run = (command: string, args: string[], extra: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<Ran> =>
      new Promise((done, fail) => {
        const child = spawn(command, args, { env: { ...env, ...extra.env }, cwd: extra.cwd ?? home, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.once('error', (error) => {
          clearTimeout(timer);
          fail(new DemoError(`cannot run ${command}: ${error.message}`));
        });
        child.once('close', (code) => {
          clearTimeout(timer);
          done({ code, stdout, stderr });
        });
        child.stdin.on('error', () => undefined);
        child.stdin.end(extra.input ?? '');
      });
    const show = (out: string) => {
      const text = out.replace(/\n+$/, '');
      if (text) say(text.replace(/^/gm, '    '));
    };
    /** Prints `$ shown`, runs it, prints its output; a failure stops the demo with the tool's own words. */
    const shell = async (shown: string, command: string, args: string[], extra: Parameters<typeof run>[2] = {}): Promise<Ran> => {
      say(`  $ ${shown}`);
      const out = await run(command, args, extra);
      show(out.stdout);
      show(out.stderr);
      if (out.code !== 0) throw new DemoError(`\`${shown}\` exited with ${out.code}`);
      return out;
    };
    const amplify = (args: string[], extra: Parameters<typeof run>[2] = {}, shownPrefix = '') =>
      shell(`${shownPrefix}amplify ${args.join(' ')}`, process.execPath, [AMPLIFY_BIN, ...args], extra);

    step(`Log the service account ${sa.clientId} in (client credentials; the secret goes through the environment, never argv)`);
    await amplify(['auth', 'login', '--base-url', platform.baseUrl, '--client-id', sa.clientId], { env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret } }, 'AMPLIFY_CLIENT_SECRET=*** ');
    // Known to the demo only so that it can be masked, should any tool ever echo it.
    secrets.add((await run(process.execPath, [AMPLIFY_BIN, 'auth', 'token'])).stdout.trim());

    step('List the accounts');
    await amplify(['auth', 'ls']);

    step('Bind git and docker to the selected account');
    await amplify(['auth', 'setup', 'git', '--host', hostPort]);
    await amplify(['auth', 'setup', 'docker', '--registry', hostPort]);
    await amplify(['auth', 'setup']);

    step('Clone the demo repository: git asks git-credential-amplify, which answers with the account\'s token');
    const gitSeen = platform.seen.git.length;
    await shell(`git clone ${platform.urls.git}`, 'git', ['clone', '--quiet', platform.urls.git]);
    const clone = join(home, 'demo');
    await shell('git -C demo log --oneline -1', 'git', ['-C', clone, 'log', '--oneline', '-1']);
    say(`    files: ${(await readdir(clone)).filter((f) => f !== '.git').join(', ')}`);
    say(`    the git server accepted: ${[...new Set(platform.seen.git.slice(gitSeen))].join(', ') || 'nobody'}`);

    step('Inspect the registry image: the client asks docker-credential-amplify (credHelpers in ~/.docker/config.json)');
    const registrySeen = platform.seen.registry.length;
    const skopeo = options.skopeo ?? (await onPath('skopeo', env.PATH!));
    if (skopeo) {
      const image = `docker://${hostPort}/demo:latest`;
      say(`  $ skopeo inspect --tls-verify=false ${image}`);
      const out = await run('skopeo', ['inspect', '--tls-verify=false', image]);
      if (out.code !== 0) {
        show(out.stderr);
        throw new DemoError(`skopeo inspect exited with ${out.code}`);
      }
      const inspected = JSON.parse(out.stdout) as { Name: string; Digest: string; RepoTags: string[]; Architecture: string; Os: string };
      say(`    ${inspected.Name}: ${inspected.Digest}, tags ${inspected.RepoTags.join(', ')}, ${inspected.Os}/${inspected.Architecture}`);
    } else {
      say(`    ${options.skopeo === false ? 'skopeo left out' : 'skopeo is not installed'}, so the demo asks the docker helper directly, as docker or skopeo would:`);
      say(`  $ echo ${hostPort} | docker-credential-amplify get`);
      const got = await run(join(HELPERS, 'docker-credential-amplify'), ['get'], { input: hostPort });
      if (got.code !== 0) throw new DemoError(`docker-credential-amplify get: ${got.stdout.trim() || got.stderr.trim()}`);
      const credential = JSON.parse(got.stdout) as { ServerURL: string; Username: string; Secret: string };
      secrets.add(credential.Secret);
      say(`    ServerURL ${credential.ServerURL}, Username ${credential.Username}, Secret (${credential.Secret.length} characters, not shown)`);
      const basic = Buffer.from(`${credential.Username}:${credential.Secret}`).toString('base64');
      const manifest = await fetch(`${platform.origin}/v2/demo/manifests/latest`, { headers: { authorization: `Basic ${basic}` } });
      say(`    GET /v2/demo/manifests/latest with it: HTTP ${manifest.status}, digest ${manifest.headers.get('docker-content-digest') ?? 'none'}`);
      if (!manifest.ok) throw new DemoError(`the registry refused the helper's credential (HTTP ${manifest.status})`);
    }
    await shell('docker-credential-amplify list', join(HELPERS, 'docker-credential-amplify'), ['list']);
    say(`    the registry accepted: ${[...new Set(platform.seen.registry.slice(registrySeen))].join(', ') || 'nobody'}`);
    if (platform.seen.registry.length === registrySeen) throw new DemoError('the registry saw no credential');

    step('Stop the platform');
  } finally {
    await platform?.close();
    if (ownHome && !options.keep) await rm(home, { recursive: true, force: true });
    else say(`    HOME kept: ${home}`);
  }
  say(`    stopped.\n\nDemo finished: one login, and git and the registry client got the service account's token through their own helper protocols.`);
}

async function onPath(command: string, path: string): Promise<boolean> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, command));
      return true;
    } catch {
      // not in this one
    }
  }
  return false;
}

async function main(): Promise<void> {
  const usage = 'usage: npm run demo -- [--keep] [--home DIR]';
  let values: { keep?: boolean; home?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { keep: { type: 'boolean' }, home: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  try {
    await runDemo({ keep: values.keep, home: values.home });
  } catch (error) {
    process.stderr.write(`\ndemo failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main();
