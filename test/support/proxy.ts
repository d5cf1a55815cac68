// A real forward proxy for tests: Debian's squid on loopback with a throwaway config, basic auth, and host names only it can resolve.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingTool } from './tools.js';

export const SQUID = process.env.AMPLIFY_TEST_SQUID ?? '/usr/sbin/squid';
const NCSA_AUTH = '/usr/lib/squid/basic_ncsa_auth';

/** Why the proxy tests cannot run here, or undefined. On CI a missing squid is a failure, not a skip. */
export function squidMissing(): string | undefined {
  const missing = [SQUID, NCSA_AUTH].find((file) => spawnSync('test', ['-x', file]).status !== 0);
  if (!missing) return undefined;
  return missingTool(`squid not installed: ${missing} is missing (apt-get install -y squid)`);
}

export interface Squid {
  /** http://127.0.0.1:<port>, no credentials. */
  url: string;
  port: number;
  /** The proxy URL with the user name and password in it, as a user puts it in HTTPS_PROXY. */
  authUrl: string;
  user: string;
  password: string;
  /** Lines of squid's access log so far (method, status, destination). */
  accessLog(): Promise<string[]>;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`squid exited (${child.exitCode}): ${await log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`squid did not listen on ${port}: ${await log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts squid on 127.0.0.1 requiring basic auth (user, password), resolving the names in `hosts` (name → IP)
 * from its own hosts file and nothing else: a client that skips the proxy cannot resolve them at all.
 */
export async function startSquid(hosts: Record<string, string>, user = 'corp-user', password = `Pr0xy-${process.pid}-s3cret`): Promise<Squid> {
  const dir = await mkdtemp(join(tmpdir(), 'amplify-squid-'));
  // squid started as root runs as its own user: it must read and write here.
  await chmod(dir, 0o777);
  const port = await freePort();
  const file = (name: string) => join(dir, name);
  const hashed = spawnSync('openssl', ['passwd', '-apr1', password], { encoding: 'utf8' });
  if (hashed.status !== 0) throw new Error(`openssl passwd failed: ${hashed.stderr}`);
  await writeFile(file('passwd'), `${user}:${hashed.stdout.trim()}\n`, { mode: 0o644 });
  await writeFile(file('hosts'), Object.entries(hosts).map(([name, ip]) => `${ip} ${name}\n`).join(''), { mode: 0o644 });
  await writeFile(
    file('squid.conf'),
    [
      `http_port 127.0.0.1:${port}`,
      `pid_filename ${file('squid.pid')}`,
      `cache_log ${file('cache.log')}`,
      `access_log stdio:${file('access.log')}`,
      'logfile_rotate 0',
      `coredump_dir ${dir}`,
      'cache deny all',
      'shutdown_lifetime 0 seconds',
      `hosts_file ${file('hosts')}`,
      // No name server answers here: only the hosts file resolves.
      'dns_nameservers 127.0.0.9',
      'dns_timeout 2 seconds',
      `auth_param basic program ${NCSA_AUTH} ${file('passwd')}`,
      'auth_param basic realm amplify-test',
      'acl authed proxy_auth REQUIRED',
      'http_access allow authed',
      'http_access deny all',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const child = spawn(SQUID, ['-N', '-f', file('squid.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const log = async () => `${stderr}${await readFile(file('cache.log'), 'utf8').catch(() => '')}`;
  try {
    await waitForPort(port, child, log);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    authUrl: `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    user,
    password,
    accessLog: async () => (await readFile(file('access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
