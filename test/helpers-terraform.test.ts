// Terraform / OpenTofu: terraform-credentials-amplify's protocol exactly (get|store|forget <host>), `amplify auth setup
// terraform` editing the CLI config byte for byte, and real `terraform get` of a module from an https module registry
// on loopback (private CA) that serves only to the platform's bearer tokens.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { has, loginSecret, needs, mustRun, token } from './helpers-support.js';
import { presentedToken } from './platform/resources.js';
import { startPlatform, type Platform } from './platform/index.js';
import { HELPERS, sandbox, type RunResult, type Sandbox } from './support/cli.js';
import { privateCA, type PrivateCA } from './support/tls.js';

const TERRAFORM_HELPER = join(HELPERS, 'terraform-credentials-amplify');
const BLOCK = 'credentials_helper "amplify" {}';

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

const exact = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });
const tf = (box: Sandbox, args: string[], input = '') => box.run(TERRAFORM_HELPER, args, { input });
const tokenRequests = (clientId: string) => platform.stats().tokenRequests.filter((r) => r.clientId === clientId).length;

/** A logged-in sandbox whose Terraform CLI config is $HOME/terraformrc (TF_CLI_CONFIG_FILE). */
async function terraformSandbox(): Promise<{ box: Sandbox; rc: string }> {
  const box = await sandbox();
  const rc = join(box.home, 'terraformrc');
  box.env.TF_CLI_CONFIG_FILE = rc;
  await loginSecret(box, platform);
  return { box, rc };
}

describe('terraform-credentials-amplify: the credentials helper protocol', () => {
  test('get: the account\'s token for a bound host, {} for any other; exit 0 and nothing on stderr', async () => {
    const { box } = await terraformSandbox();
    try {
      assert.deepEqual(exact(await tf(box, ['get', 'registry.example.com'])), { code: 0, stdout: '{}\n', stderr: '' });
      await mustRun(box, ['auth', 'setup', 'terraform', '--host', 'Registry.Example.com:443']);
      const expected = await token(box);
      assert.deepEqual(exact(await tf(box, ['get', 'registry.example.com'])), { code: 0, stdout: `${JSON.stringify({ token: expected })}\n`, stderr: '' });
      // Terraform puts the block's args first and the verb and host last.
      assert.deepEqual(exact(await tf(box, ['--from-block', 'get', 'registry.example.com'])), { code: 0, stdout: `${JSON.stringify({ token: expected })}\n`, stderr: '' });
      assert.deepEqual(exact(await tf(box, ['get', 'registry.example.com:8443'])), { code: 0, stdout: '{}\n', stderr: '' }, 'another port is another host');
      assert.deepEqual(exact(await box.amplify(['credential', 'terraform', 'get', 'registry.example.com'])), { code: 0, stdout: `${JSON.stringify({ token: expected })}\n`, stderr: '' });
      // A cached get is the fast tier's (src/bin/entries.ts); a store needs a write, so the full tier answers it.
      const traced = await box.run(TERRAFORM_HELPER, ['get', 'registry.example.com'], { env: { AMPLIFY_DEBUG: '1' } });
      assert.equal(traced.stdout, `${JSON.stringify({ token: expected })}\n`);
      assert.doesNotMatch(traced.stderr, /needed: the full build answers/);
      const stored = await box.run(TERRAFORM_HELPER, ['store', 'other.example.com'], { input: '{"token":"x-0123456789abcdef"}', env: { AMPLIFY_DEBUG: '1' } });
      assert.equal(stored.code, 0, stored.stderr);
      assert.match(stored.stderr, /needed: the full build answers \(the helpers' full tier\)/);
      const list = await mustRun(box, ['auth', 'setup']);
      assert.match(list.stdout, /^terraform registry\.example\.com → \(default account\)$/m);
    } finally {
      await box.cleanup();
    }
  });

  test('store and forget for an unbound host: the object kept as given (in the token store), then dropped', async () => {
    const { box } = await terraformSandbox();
    try {
      const object = { token: 'tf-login-token-0123456789', extra: { n: 1 } };
      assert.deepEqual(exact(await tf(box, ['store', 'app.terraform.example'], JSON.stringify(object))), { code: 0, stdout: '', stderr: '' });
      assert.deepEqual(exact(await tf(box, ['get', 'app.terraform.example'])), { code: 0, stdout: `${JSON.stringify(object)}\n`, stderr: '' });
      const config = await readFile(join(box.configDir, 'config.json'), 'utf8');
      assert.ok(!config.includes(object.token), 'the stored token is not in config.json');
      assert.deepEqual(exact(await tf(box, ['forget', 'app.terraform.example'])), { code: 0, stdout: '', stderr: '' });
      assert.deepEqual(exact(await tf(box, ['get', 'app.terraform.example'])), { code: 0, stdout: '{}\n', stderr: '' });
      assert.deepEqual(exact(await tf(box, ['forget', 'app.terraform.example'])), { code: 0, stdout: '', stderr: '' }, 'forgetting nothing is fine');
    } finally {
      await box.cleanup();
    }
  });

  test('store for a bound host is a no-op; forget drops the cached access token only (the next get refreshes)', async () => {
    const { box } = await terraformSandbox();
    try {
      await mustRun(box, ['auth', 'setup', 'terraform', '--host', 'registry.example.com']);
      const first = await token(box);
      assert.deepEqual(exact(await tf(box, ['store', 'registry.example.com'], '{"token":"typed-in-by-terraform-login"}')), { code: 0, stdout: '', stderr: '' });
      assert.deepEqual(exact(await tf(box, ['get', 'registry.example.com'])), { code: 0, stdout: `${JSON.stringify({ token: first })}\n`, stderr: '' });
      const before = tokenRequests(platform.serviceAccounts.secret.clientId);
      assert.deepEqual(exact(await tf(box, ['forget', 'registry.example.com'])), { code: 0, stdout: '', stderr: '' });
      const again = await tf(box, ['get', 'registry.example.com']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(tokenRequests(platform.serviceAccounts.secret.clientId), before + 1, 'the get after forget asked the issuer again');
      const fresh = (JSON.parse(again.stdout) as { token: string }).token;
      assert.equal(fresh, await token(box));
      assert.equal((await platform.introspect(fresh)).active, true);
      assert.equal((await mustRun(box, ['auth', 'ls', '--json'])).stdout.includes(platform.serviceAccounts.secret.clientId), true, 'nobody was logged out');
    } finally {
      await box.cleanup();
    }
  });

  test('errors: one line on stderr, nothing on stdout, a non-zero exit', async () => {
    const { box } = await terraformSandbox();
    try {
      for (const [args, input] of [[[], ''], [['get'], ''], [['list', 'registry.example.com'], ''], [['get', 'https://registry.example.com/'], ''], [['store', 'h.example.com'], 'not json'], [['store', 'h.example.com'], '["a"]']] as Array<[string[], string]>) {
        const out = await tf(box, args, input);
        assert.notEqual(out.code, 0, `${args.join(' ')}: ${out.stdout}`);
        assert.equal(out.stdout, '', args.join(' '));
        assert.match(out.stderr, /^[^\n]+\n$/, `${args.join(' ')}: one line: ${JSON.stringify(out.stderr)}`);
      }
    } finally {
      await box.cleanup();
    }
  });
});

describe('amplify auth setup terraform: the CLI config, byte for byte, and the launcher', () => {
  test('the block is added once after the existing settings, in ~/.tofurc too; --remove of the last host restores both files', async () => {
    const { box, rc } = await terraformSandbox();
    try {
      const original = 'plugin_cache_dir = "$HOME/.terraform.d/plugin-cache"\r\n\r\nprovider_installation {\r\n  direct {}\r\n}'; // CRLF, no final newline
      const tofu = join(box.home, '.tofurc');
      const tofuOriginal = '# OpenTofu\ndisable_checkpoint = true\n';
      await writeFile(rc, original);
      await writeFile(tofu, tofuOriginal);
      await mustRun(box, ['auth', 'setup', 'terraform', '--host', 'a.example.com']);
      assert.equal(await readFile(rc, 'utf8'), `${original}\r\n${BLOCK}\r\n`);
      assert.equal(await readFile(tofu, 'utf8'), `${tofuOriginal}${BLOCK}\n`);
      await mustRun(box, ['auth', 'setup', 'terraform', '--host', 'b.example.com:8443']);
      assert.equal(await readFile(rc, 'utf8'), `${original}\r\n${BLOCK}\r\n`, 'one block for every host');

      const launcher = join(box.home, '.terraform.d', 'plugins', 'terraform-credentials-amplify');
      await access(launcher, constants.X_OK);
      const script = await readFile(launcher, 'utf8');
      const current = await token(box);
      assert.ok(!script.includes(current), 'no token in the launcher');
      assert.ok(script.includes(process.execPath) && script.includes(TERRAFORM_HELPER), script);
      assert.deepEqual(exact(await box.run(launcher, ['get', 'b.example.com:8443'])), { code: 0, stdout: `${JSON.stringify({ token: current })}\n`, stderr: '' });

      const doctor = JSON.parse((await box.amplify(['auth', 'doctor', '--json'])).stdout) as { checks: Array<{ id: string; ok: boolean; detail: string }> };
      const wiring = doctor.checks.find((c) => c.id === 'binding:terraform:b.example.com:8443');
      assert.equal(wiring?.ok, true, JSON.stringify(wiring));

      await mustRun(box, ['auth', 'setup', 'terraform', '--host', 'a.example.com', '--remove']);
      assert.equal(await readFile(rc, 'utf8'), `${original}\r\n${BLOCK}\r\n`, 'b.example.com still uses it');
      assert.deepEqual(exact(await tf(box, ['get', 'a.example.com'])), { code: 0, stdout: '{}\n', stderr: '' });
      await mustRun(box, ['auth', 'setup', 'terraform', '--host', 'b.example.com:8443', '--remove']);
      assert.equal(await readFile(rc, 'utf8'), `${original}\r\n`, 'only the block went (the line end it needed stays)');
      assert.equal(await readFile(tofu, 'utf8'), tofuOriginal);
      await assert.rejects(stat(launcher), { code: 'ENOENT' });
      assert.equal((await box.amplify(['auth', 'setup', 'terraform', '--host', 'b.example.com:8443', '--remove'])).code, 1, 'nothing left to remove');
    } finally {
      await box.cleanup();
    }
  });

  test('~/.terraformrc by default (created 0600); another credentials_helper is refused and left as it was; bad hosts are usage errors', async () => {
    const box = await sandbox();
    try {
      await loginSecret(box, platform);
      await mustRun(box, ['auth', 'setup', 'terraform', '--host', 'a.example.com']);
      const rc = join(box.home, '.terraformrc');
      assert.equal(await readFile(rc, 'utf8'), `${BLOCK}\n`);
      assert.equal((await stat(rc)).mode & 0o777, 0o600);
      await assert.rejects(stat(join(box.home, '.tofurc')), { code: 'ENOENT' }, 'no ~/.tofurc is made where there was none');
      await mustRun(box, ['auth', 'setup', 'terraform', '--host', 'a.example.com', '--remove']);
      assert.equal(await readFile(rc, 'utf8'), '');

      const theirs = 'credentials_helper "other" {\n  args = ["--x"]\n}\n';
      await writeFile(rc, theirs);
      const refused = await box.amplify(['auth', 'setup', 'terraform', '--host', 'a.example.com']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /credentials_helper "other"/);
      assert.equal(await readFile(rc, 'utf8'), theirs);
      for (const host of ['https://a.example.com', 'a.example.com/v1', 'a b']) assert.equal((await box.amplify(['auth', 'setup', 'terraform', '--host', host])).code, 2, host);
    } finally {
      await box.cleanup();
    }
  });
});

/** An https module registry on 127.0.0.1 (Terraform's module registry protocol) that answers only the platform's live tokens. */
async function moduleRegistry(ca: PrivateCA, archive: Buffer): Promise<{ server: Server; host: string; seen: Array<string | undefined> }> {
  const seen: Array<string | undefined> = [];
  let host = '';
  const server = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `https://${host}`);
      if (url.pathname === '/.well-known/terraform.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ 'modules.v1': '/v1/modules/' }));
        return;
      }
      if (url.pathname === '/archive/tiny.tar.gz') {
        res.writeHead(200, { 'content-type': 'application/gzip' }).end(archive);
        return;
      }
      const presented = presentedToken(req);
      seen.push(presented);
      const active = presented ? (await platform.introspect(presented)).active === true : false;
      if (!active) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":["not authorized"]}');
        return;
      }
      if (url.pathname === '/v1/modules/acme/tiny/null/versions') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ modules: [{ versions: [{ version: '1.0.0' }] }] }));
      } else if (url.pathname === '/v1/modules/acme/tiny/null/1.0.0/download') {
        res.writeHead(204, { 'x-terraform-get': `https://${host}/archive/tiny.tar.gz` }).end();
      } else res.writeHead(404).end();
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, host, seen };
}

const TERRAFORM = has('terraform');
describe('real terraform get of a module from a private https registry', { skip: needs('terraform') }, () => {
  test('refused without the helper; downloaded with the bound account\'s token after setup terraform', async () => {
    assert.ok(TERRAFORM, 'terraform must be installed where CI=true');
    const ca = await privateCA('127.0.0.1');
    const work = await mkdtemp(join(tmpdir(), 'amplify-tf-module-'));
    const { box } = await terraformSandbox();
    let registry: Awaited<ReturnType<typeof moduleRegistry>> | undefined;
    try {
      await mkdir(join(work, 'module'));
      await writeFile(join(work, 'module', 'main.tf'), 'output "greeting" {\n  value = "tiny"\n}\n');
      const tar = spawnSync('tar', ['-czf', join(work, 'tiny.tar.gz'), '-C', join(work, 'module'), 'main.tf']);
      assert.equal(tar.status, 0, String(tar.stderr));
      registry = await moduleRegistry(ca, await readFile(join(work, 'tiny.tar.gz')));
      const project = join(box.home, 'project');
      await mkdir(project);
      await writeFile(join(project, 'main.tf'), `module "tiny" {\n  source  = "${registry.host}/acme/tiny/null"\n  version = "1.0.0"\n}\n`);
      await mkdir(join(box.home, 'plugin-cache'));
      // Only loopback: no checkpoint calls, no proxies; the private CA is what Go's TLS trusts (SSL_CERT_FILE).
      const env = { SSL_CERT_FILE: ca.caFile, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_PLUGIN_CACHE_DIR: join(box.home, 'plugin-cache'), NO_PROXY: '*', HTTPS_PROXY: '', HTTP_PROXY: '' };
      const get = () => box.run('terraform', ['get', '-no-color'], { cwd: project, env, timeoutMs: 120_000 });

      const refused = await get();
      assert.notEqual(refused.code, 0, refused.stdout);
      assert.ok(registry.seen.length > 0 && registry.seen.every((t) => t === undefined), 'terraform asked without a token');

      await mustRun(box, ['auth', 'setup', 'terraform', '--host', registry.host]);
      const done = await get();
      assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
      assert.equal(await readFile(join(project, '.terraform', 'modules', 'tiny', 'main.tf'), 'utf8'), 'output "greeting" {\n  value = "tiny"\n}\n');
      const current = await token(box);
      assert.equal(registry.seen.at(-1), current, 'the registry got the bound account\'s access token');
    } finally {
      await new Promise((resolve) => registry?.server.close(resolve) ?? resolve(undefined));
      await box.cleanup();
      await ca.remove();
      await rm(work, { recursive: true, force: true });
    }
  });
});
