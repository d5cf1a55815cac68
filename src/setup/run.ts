// Running a tool's own CLI (git config, kubectl config) to change its configuration the way it expects.
import { spawn } from 'node:child_process';
import type { Context } from '../context.js';
import { AmplifyError, errnoCode } from '../errors.js';

export interface ToolRun {
  stdout: string;
  code: number;
}

/** Runs `command args`; an exit status other than 0 or one of allowExit is an ECOMMAND error quoting the tool's first stderr line. */
export async function runTool(ctx: Pick<Context, 'env'>, command: string, args: string[], options: { allowExit?: number[] } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: ctx.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', (error) => {
      reject(
        errnoCode(error) === 'ENOENT'
          ? new AmplifyError('ECOMMAND', `${command} is not installed (or not on PATH); install it, then run this again.`)
          : new AmplifyError('ECOMMAND', `cannot run ${command}: ${error.message}`),
      );
    });
    child.once('close', (code) => {
      if (code === 0 || (code !== null && options.allowExit?.includes(code))) resolve({ stdout, code });
      else reject(new AmplifyError('ECOMMAND', `\`${command} ${args.slice(0, 3).join(' ')}\` failed: ${stderr.trim().split('\n')[0] || `exit ${code ?? 'by signal'}`}`));
    });
  });
}
