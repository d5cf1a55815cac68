// Git over smart HTTP: makes the demo bare repository and bridges requests to the real `git http-backend` CGI.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

export const DEMO_REPO = 'demo.git';

const README = '# demo\n\nA repository served by the amplify-auth local platform through `git http-backend`.\n';

/** An environment that keeps the developer's own git configuration out of the platform's git. */
function gitEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LANG: 'C' };
}

function run(args: string[], cwd: string, home: string, input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: gitEnv(home), stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args[0]} failed (${code}): ${stderr.trim()}`))));
    // a git that exits early closes its stdin; its exit status tells what went wrong, not the EPIPE
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** Creates `<root>/demo.git` holding one commit (a README) on `main`. */
export async function createDemoRepo(root: string, home: string): Promise<void> {
  await mkdir(root, { recursive: true });
  // a reused directory gets a fresh repository: fast-import would refuse to rewrite an existing main
  await rm(join(root, DEMO_REPO), { recursive: true, force: true });
  await run(['init', '--bare', '--quiet', '--initial-branch=main', DEMO_REPO], root, home);
  const message = 'Initial commit\n';
  const who = 'Amplify Platform <platform@example.com> 1700000000 +0000';
  const stream = [
    'blob',
    'mark :1',
    `data ${Buffer.byteLength(README)}`,
    README,
    'commit refs/heads/main',
    'mark :2',
    `author ${who}`,
    `committer ${who}`,
    `data ${Buffer.byteLength(message)}`,
    message,
    'M 100644 :1 README.md',
    '',
  ].join('\n');
  await run(['fast-import', '--quiet'], join(root, DEMO_REPO), home, stream);
}

export interface CgiRequest {
  projectRoot: string;
  home: string;
  /** Path below the project root, e.g. `/demo.git/info/refs`. */
  pathInfo: string;
  query: string;
  remoteUser: string;
  children: Set<ChildProcess>;
}

/** Runs `git http-backend` for one request, streaming the body in and the CGI response out. */
export function serveGit(req: IncomingMessage, res: ServerResponse, cgi: CgiRequest): void {
  const env: NodeJS.ProcessEnv = {
    ...gitEnv(cgi.home),
    GIT_PROJECT_ROOT: cgi.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: cgi.pathInfo,
    QUERY_STRING: cgi.query,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: cgi.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = req.headers['content-length'];
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || value === undefined) continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : value;
  }

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  cgi.children.add(child);
  child.on('close', () => cgi.children.delete(child));
  child.stdin.on('error', () => {});
  child.stderr.resume();
  req.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf : lf;
    if (end === -1) return;
    const separator = end === crlf ? 4 : 2;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    headersSent = true;
    const rest = head.subarray(end + separator);
    if (rest.length) res.write(rest);
  });
  child.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('git http-backend could not start\n');
  });
  child.on('close', () => {
    if (!headersSent && !res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end();
  });
  res.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
}
