// Faults for the reliability tests: a small tmpfs filled to the last few KB, and an HTTP gateway in front of the
// local platform that can hang (accept and never answer) or hold an answer until told.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GIT_HELPER } from '../helpers-support.js';
import type { Platform } from '../platform/index.js';
import type { RunResult, Sandbox } from './cli.js';

export interface SmallDisk {
  dir: string;
  /** Fills the disk, then frees `leaveBytes` (whole pages) again. */
  fill(leaveBytes: number): Promise<void>;
  /** Gives the space back. */
  empty(): Promise<void>;
  close(): Promise<void>;
}

const PAGE = 4096;

/** A tmpfs of `size` bytes, or the reason it cannot be mounted here (not root, no mount privilege). */
export async function smallDisk(size: number): Promise<SmallDisk | string> {
  const dir = await mkdtemp(join(tmpdir(), 'amplify-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || `exit ${mounted.status}`).trim()})`;
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    async fill(leaveBytes) {
      const handle = await open(filler, 'w');
      const chunk = Buffer.alloc(PAGE, 1);
      let size = 0;
      try {
        for (;;) {
          const { bytesWritten } = await handle.write(chunk, 0, PAGE, size);
          size += bytesWritten;
          if (bytesWritten < PAGE) break;
        }
      } catch {
        // ENOSPC: full
      } finally {
        await handle.close();
      }
      const pages = Math.ceil(leaveBytes / PAGE);
      await truncate(filler, Math.max(0, Math.floor(size / PAGE) * PAGE - pages * PAGE));
    },
    async empty() {
      await rm(filler, { force: true });
    },
    async close() {
      spawnSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type GatewayMode = 'pass' | 'hang' | 'hold';

export interface Gateway {
  origin: string;
  mode: GatewayMode;
  /** Requests that reached the gateway, by path. */
  requests: string[];
  /** In 'hold' mode: resolves when an answer from the platform is held; call release() to send it on. */
  held(): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

/** An HTTP gateway to `upstream` (http://127.0.0.1:port) on loopback. */
export async function gateway(upstream: string): Promise<Gateway> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  let onHeld: (() => void) | undefined;
  let heldSignal = new Promise<void>((resolve) => (onHeld = resolve));
  const releases: Array<() => void> = [];
  const state: Gateway = {
    origin: '',
    mode: 'pass',
    requests: [],
    held: () => heldSignal,
    release() {
      for (const send of releases.splice(0)) send();
      heldSignal = new Promise<void>((resolve) => (onHeld = resolve));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests.push(req.url ?? '');
    if (state.mode === 'hang') return; // accepted, never answered
    const mode = state.mode;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            const send = () => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(Buffer.concat(body));
            };
            if (mode === 'hold') {
              releases.push(send);
              onHeld?.();
            } else send();
          });
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

export async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

// What the fault tests (reliability-faults, reliability-deadlines) do to a sandbox against their platform.

export async function loginService(platform: Platform, box: Sandbox): Promise<string> {
  const sa = platform.serviceAccounts.secret;
  const out = await box.amplify(['auth', 'login', '--base-url', platform.baseUrl, '--platform-url', platform.platformUrl, '--client-id', sa.clientId], {
    env: { AMPLIFY_CLIENT_SECRET: sa.clientSecret },
  });
  assert.equal(out.code, 0, out.stderr);
  return sa.clientId;
}

export const configFile = (box: Sandbox) => join(box.configDir, 'config.json');
export const tokensFile = (box: Sandbox) => join(box.configDir, 'tokens.json');

/** Sends the account's token requests (the cached discovery's token endpoint) through the gateway. */
export async function throughGateway(platform: Platform, box: Sandbox, gw: Gateway): Promise<void> {
  const config = JSON.parse(await readFile(configFile(box), 'utf8')) as { issuers: Record<string, Record<string, unknown>> };
  for (const metadata of Object.values(config.issuers)) metadata.token_endpoint = String(metadata.token_endpoint).replace(platform.origin, gw.origin);
  await writeFile(configFile(box), `${JSON.stringify(config, null, 2)}\n`);
}

/** Moves the stored access token's expiry (file store), so that the next use refreshes. */
export async function setAccessExpiry(box: Sandbox, name: string, expiresAt: number): Promise<void> {
  const store = JSON.parse(await readFile(tokensFile(box), 'utf8')) as { entries: Record<string, { accessExpiresAt: number }> };
  store.entries[`account:${name}`]!.accessExpiresAt = expiresAt;
  await writeFile(tokensFile(box), `${JSON.stringify(store, null, 2)}\n`);
}

export const gitGet = (platform: Platform, box: Sandbox, env: Record<string, string> = {}) =>
  box.run(GIT_HELPER, ['get'], { input: `protocol=http\nhost=127.0.0.1:${platform.port}\n\n`, env });

export async function bindGit(platform: Platform, box: Sandbox): Promise<void> {
  const out = await box.amplify(['auth', 'setup', 'git', '--host', `127.0.0.1:${platform.port}`]);
  assert.equal(out.code, 0, out.stderr);
}

export function oneLine(result: RunResult, what: string): void {
  assert.doesNotMatch(result.stderr, /\n\s+at /, `${what}: no stack trace`);
  assert.equal(result.stderr.trim().split('\n').length, 1, `${what}: one line\n${result.stderr}`);
}
