// A pseudo-terminal for prompt tests: the real bin inside a detached tmux session on its own tmux server.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AMPLIFY_BIN, type Sandbox } from './cli.js';
import { missingTool } from './tools.js';

const run = promisify(execFile);

export const tmuxMissing = (): string | undefined =>
  spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0 ? undefined : missingTool('tmux is not installed (apt-get install -y tmux)');

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export interface Terminal {
  /** The visible screen, as text; with `escapes`, with its colours as the terminal got them (SGR sequences). */
  screen(options?: { escapes?: boolean }): Promise<string>;
  /** Waits until the screen matches (a pattern, or a test of the whole screen); fails with the screen when it does not in time. */
  waitFor(pattern: RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Literal text (no key names interpreted). */
  type(text: string): Promise<void>;
  /** tmux key names: Enter, Down, Up, C-c... */
  press(...keys: string[]): Promise<void>;
  /** The command's exit status once it has ended. */
  exitCode(timeoutMs?: number): Promise<number>;
  /** Kills the session and its private tmux server; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Runs `amplify <args>` in a 200x50 tmux pane with exactly the sandbox's environment. Each terminal has its own
 * tmux server (socket in the sandbox) and session name, so parallel tests and a person's own tmux never meet.
 */
export async function openTerminal(box: Sandbox, args: string[], env: Record<string, string> = {}): Promise<Terminal> {
  const id = `amplify-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const codeFile = join(box.home, `${id}.exit`);
  const script = join(box.home, `${id}.sh`);
  const vars = { ...box.env, ...env, TERM: 'xterm-256color' };
  await writeFile(
    script,
    [
      '#!/bin/sh',
      // Ctrl-C reaches the whole foreground group: the wrapper survives it to record the command's status.
      'trap : INT',
      `cd ${quote(box.home)}`,
      `env -i ${Object.entries(vars).map(([k, v]) => `${k}=${quote(v)}`).join(' ')} ${quote(process.execPath)} ${quote(AMPLIFY_BIN)} ${args.map(quote).join(' ')}`,
      `echo $? > ${quote(codeFile)}`,
      // keep the pane (and its last screen) until the test closes it
      'exec sleep 600',
      '',
    ].join('\n'),
    { mode: 0o700 },
  );
  // The server's socket lives in the sandbox, so it goes with it.
  const socket = join(box.home, `${id}.sock`);
  const tmux = (...a: string[]) => run('tmux', ['-S', socket, '-f', '/dev/null', ...a]);
  await tmux('new-session', '-d', '-s', id, '-x', '200', '-y', '50', script);

  let closed = false;
  const terminal: Terminal = {
    async screen(options) {
      const { stdout } = await tmux('capture-pane', '-p', ...(options?.escapes ? ['-e'] : []), '-t', id);
      return stdout;
    },
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        last = await terminal.screen();
        if (typeof pattern === 'function' ? pattern(last) : pattern.test(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the terminal never showed ${typeof pattern === 'function' ? 'what the test waited for' : pattern}; the screen was:\n${last}`);
    },
    async type(text) {
      await tmux('send-keys', '-t', id, '-l', text);
    },
    async press(...keys) {
      await tmux('send-keys', '-t', id, ...keys);
    },
    async exitCode(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const text = await readFile(codeFile, 'utf8').catch(() => '');
        if (text.trim()) return Number(text.trim());
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the command did not end; the screen was:\n${await terminal.screen()}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await tmux('kill-server').catch(() => undefined);
    },
  };
  return terminal;
}
