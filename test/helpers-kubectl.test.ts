// kubectl: `amplify auth setup kubectl` and real `kubectl get --raw /api` through the exec credential plugin.
// client-go hands a kubeconfig user's credentials (exec plugins included) only to https servers, so kubectl
// reaches the platform's kube API through a TLS-terminating proxy with a throwaway self-signed certificate.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lastSeen, needs, loginKey, loginSecret, mustRun, token } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';
import { selfSignedCertificate, type Certificate } from './support/tls.js';

const missing = needs('kubectl', ['openssl', 'needed for the test TLS certificate']);

let platform: Platform;
let proxy: Server;
let certificate: Certificate | undefined;
let caFile: string;
before(async () => {
  platform = await startPlatform({ quiet: true });
  if (missing) return;
  certificate = await selfSignedCertificate();
  caFile = certificate.certFile;
  proxy = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    const upstream = httpRequest({ host: '127.0.0.1', port: platform.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  if (proxy) {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  }
  await certificate?.remove();
  await platform?.close();
});

const httpsServer = () => `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

interface KubeUser {
  name: string;
  user: { exec?: { command: string; args: string[]; apiVersion: string; interactiveMode?: string } };
}

describe('kubectl through the exec credential plugin', { skip: missing }, () => {
  let box: Sandbox;
  let kubeconfig: string;
  before(async () => {
    box = await sandbox();
    kubeconfig = join(box.home, 'kubeconfig');
    box.env.KUBECONFIG = kubeconfig;
    const kubectl = async (...args: string[]) => {
      const out = await box.run('kubectl', args);
      if (out.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${out.stderr}`);
    };
    await kubectl('config', 'set-cluster', 'demo', `--server=${httpsServer()}`, `--certificate-authority=${caFile}`, '--embed-certs=true');
    await kubectl('config', 'set-context', 'demo', '--cluster=demo', '--namespace=apps');
    await kubectl('config', 'use-context', 'demo');
    await kubectl('config', 'set-cluster', 'plain', `--server=${platform.urls.kube}`);
    await loginSecret(box, platform);
    await loginKey(box, platform);
  });
  after(async () => box.cleanup());

  const getApi = () => box.run('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/api']);
  const users = async () => json<{ users: KubeUser[] | null; contexts: Array<{ name: string; context: { cluster: string; user?: string; namespace?: string } }> }>(await box.run('kubectl', ['config', 'view', '-o', 'json']));

  test('before setup kubectl is refused; after it, get --raw /api goes through the plugin as the selected account', async () => {
    const seen = platform.seen.kube.length;
    const refused = await getApi();
    // With no user kubectl falls back to asking for a basic-auth username on stdin, which is empty here.
    assert.notEqual(refused.code, 0);
    assert.equal(platform.seen.kube.length, seen, 'the kube API accepted nobody');

    const setup = await box.amplify(['auth', 'setup', 'kubectl', '--cluster', 'demo']);
    assert.equal(setup.code, 0, setup.stderr);
    assert.equal(setup.stderr, '', 'an https cluster: nothing to warn about');
    const view = await users();
    const exec = view.users?.find((u) => u.name === 'amplify-demo')?.user.exec;
    assert.ok(exec, 'a kubeconfig user with an exec entry');
    assert.equal(exec.apiVersion, 'client.authentication.k8s.io/v1');
    assert.equal(exec.interactiveMode, 'Never');
    assert.ok(isAbsolute(exec.command) && isAbsolute(exec.args[0]!), 'node and the bundle by absolute path');
    assert.deepEqual(exec.args.slice(1), ['credential', 'kubectl']);
    assert.deepEqual(view.contexts.find((c) => c.name === 'demo')?.context, { cluster: 'demo', user: 'amplify-demo', namespace: 'apps' }, 'the context keeps its namespace');

    const ok = await getApi();
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(json<{ kind: string; versions: string[] }>(ok).kind, 'APIVersions');
    assert.equal(lastSeen(platform.seen.kube), 'sa-secret');

    await mustRun(box, ['auth', 'switch', '--account', 'sa-rsa']);
    const switched = await getApi();
    assert.equal(switched.code, 0, switched.stderr);
    assert.equal(lastSeen(platform.seen.kube), 'sa-rsa', 'switch changes what the plugin returns');
    assert.ok(!switched.stdout.includes(await token(box)) && !switched.stderr.includes(await token(box)));
  });

  test('setup kubectl --account pins the account whatever the default', async () => {
    await mustRun(box, ['auth', 'setup', 'kubectl', '--cluster', 'demo', '--account', 'sa-secret']);
    const ok = await getApi();
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(lastSeen(platform.seen.kube), 'sa-secret');
    const listed = (await box.amplify(['auth', 'setup'])).stdout;
    assert.equal(listed, 'kubectl demo → sa-secret\n');
  });

  test('a cluster served over plain http: setup says kubectl will send no credential there (and it does not)', async () => {
    const setup = await box.amplify(['auth', 'setup', 'kubectl', '--cluster', 'plain']);
    assert.equal(setup.code, 0, setup.stderr);
    assert.match(setup.stderr, /cluster "plain" is served over http, and kubectl sends credentials only to https servers/);
    const seen = platform.seen.kube.length;
    const out = await box.run('kubectl', ['--kubeconfig', kubeconfig, '--context', 'plain', 'get', '--raw', '/api']);
    assert.notEqual(out.code, 0);
    assert.equal(platform.seen.kube.length, seen);
  });

  test('an unknown cluster is an error naming the ones there are', async () => {
    const out = await box.amplify(['auth', 'setup', 'kubectl', '--cluster', 'nope']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /the kubeconfig has no cluster "nope" \(clusters: demo, plain\)/);
  });

  test('setup kubectl --remove deletes the user and clears it from the contexts, keeping the rest', async () => {
    const out = await box.amplify(['auth', 'setup', 'kubectl', '--cluster', 'demo', '--remove']);
    assert.equal(out.code, 0, out.stderr);
    const view = await users();
    assert.ok(!(view.users ?? []).some((u) => u.name === 'amplify-demo'));
    const context = view.contexts.find((c) => c.name === 'demo')?.context;
    assert.equal(context?.cluster, 'demo');
    assert.equal(context?.namespace, 'apps');
    assert.ok(!context?.user, 'no dangling user');
    assert.notEqual((await getApi()).code, 0);
  });
});

describe('amplify credential kubectl (the plugin itself)', () => {
  let box: Sandbox;
  before(async () => {
    box = await sandbox();
    await loginSecret(box, platform);
  });
  after(async () => box.cleanup());

  test('an ExecCredential in the apiVersion kubectl asked for, token and RFC 3339 expiry, nothing else on stdout', async () => {
    const body = json<{ token: string; expiresAt: string }>(await box.amplify(['auth', 'token', '--json']));
    const expiry = new Date(Math.floor(Date.parse(body.expiresAt) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    for (const apiVersion of ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']) {
      const info = JSON.stringify({ kind: 'ExecCredential', apiVersion, spec: { interactive: false } });
      const out = await box.amplify(['credential', 'kubectl'], { env: { KUBERNETES_EXEC_INFO: info } });
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, `${JSON.stringify({ apiVersion, kind: 'ExecCredential', status: { token: body.token, expirationTimestamp: expiry } })}\n`);
      assert.equal(out.stderr, '');
    }
  });

  test('an unknown account or apiVersion: nothing on stdout, one line on stderr, exit 1', async () => {
    const unknown = await box.amplify(['credential', 'kubectl', '--account', 'nobody']);
    assert.deepEqual({ code: unknown.code, stdout: unknown.stdout }, { code: 1, stdout: '' });
    assert.match(unknown.stderr, /^amplify: no account named "nobody"; accounts: sa-secret\.\n$/);
    const alpha = await box.amplify(['credential', 'kubectl'], { env: { KUBERNETES_EXEC_INFO: '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1alpha1"}' } });
    assert.deepEqual({ code: alpha.code, stdout: alpha.stdout }, { code: 1, stdout: '' });
    assert.match(alpha.stderr, /v1alpha1/);
  });
});
