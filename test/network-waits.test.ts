// Waiting on the network: logout of many accounts against a silent issuer takes one deadline, and a human on a terminal sees a spinner.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loginSecret } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';
import { openTerminal, tmuxMissing } from './support/pty.js';

/** Takes every connection on 127.0.0.1:port and never says a word: a hung issuer. */
async function silentServer(port: number): Promise<{ close(): Promise<void>; connections(): number }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('logout of several accounts against a hung issuer', () => {
  let platform: Platform;
  let box: Sandbox;
  before(async () => {
    platform = await startPlatform({ quiet: true });
    box = await sandbox();
  });
  after(async () => {
    await platform?.close();
    await box?.cleanup();
  });

  test('logout --all of five accounts answers within one deadline (35 s), every account removed here, none revoked', async () => {
    const accounts = [platform.serviceAccounts.secret, ...platform.serviceAccounts.batch.slice(0, 4)];
    for (const sa of accounts) await loginSecret(box, platform, sa);
    await platform.stop();
    const silent = await silentServer(platform.port);
    try {
      const started = Date.now();
      const result = await box.amplify(['auth', 'logout', '--all', '--json'], { timeoutMs: 120_000 });
      const elapsed = Date.now() - started;
      assert.equal(result.code, 0, result.stderr);
      assert.ok(elapsed < 35_000, `logout took ${elapsed} ms`);
      const results = json<Array<{ name: string; revoked: boolean }>>(result);
      assert.deepEqual(results.map((r) => r.name).sort(), accounts.map((sa) => sa.clientId).sort());
      assert.ok(results.every((r) => !r.revoked), result.stdout);
      // Every revocation was asked for at once, not one after the other.
      assert.equal(silent.connections(), accounts.length);
      assert.deepEqual(json((await box.amplify(['auth', 'ls', '--json']))), []);
    } finally {
      await silent.close();
      await platform.resume();
    }
  });
});

/** An issuer that answers every request with a 404, after `delayMs`. */
async function slowServer(delayMs: number): Promise<{ server: HttpServer; url: string }> {
  const server = createHttpServer((_req, res) => {
    setTimeout(() => res.writeHead(404, { 'content-type': 'text/plain' }).end('not here'), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/auth/realms/Slow` };
}

// Each test waits 3 s on the slow issuer, its own terminal or process, and changes nothing: they run at once.
describe('a spinner while a human command waits on the network', { concurrency: true }, () => {
  const missing = tmuxMissing();
  let box: Sandbox;
  let slow: Awaited<ReturnType<typeof slowServer>>;
  before(async () => {
    box = await sandbox();
    slow = await slowServer(3000);
  });
  after(async () => {
    slow?.server.close();
    await box?.cleanup();
  });
  const login = (...extra: string[]) => ['auth', 'login', '--issuer', slow.url, '--client-id', 'sa-slow', ...extra];
  const host = () => new URL(slow.url).host;

  test('on a terminal: shown after a second, naming the host, and erased before the error', { skip: missing }, async () => {
    const term = await openTerminal(box, login(), { AMPLIFY_CLIENT_SECRET: 'slow-secret-value' });
    try {
      await term.waitFor(new RegExp(`waiting for ${host().replace(/[.]/g, '\\.')}…`), 10_000);
      assert.equal(await term.exitCode(30_000), 1);
      const screen = await term.screen();
      assert.match(screen, /amplify: .*discovery document/);
      assert.doesNotMatch(screen, /waiting for/);
    } finally {
      await term.close();
    }
  });

  test('on a terminal with --json: none', { skip: missing }, async () => {
    const term = await openTerminal(box, login('--json'), { AMPLIFY_CLIENT_SECRET: 'slow-secret-value' });
    try {
      assert.equal(await term.exitCode(30_000), 1);
      assert.doesNotMatch(await term.screen(), /waiting for|[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
      assert.match(await term.screen(), /"error"/);
    } finally {
      await term.close();
    }
  });

  test('not a terminal: stderr is the one error line, no spinner, no carriage return', async () => {
    const result = await box.amplify(login(), { env: { AMPLIFY_CLIENT_SECRET: 'slow-secret-value' } });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.split('\n').filter(Boolean).length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /waiting for|\r/);
  });
});
