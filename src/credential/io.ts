// What a helper run returns: protocol data for stdout, a message for stderr, an exit code; the mains write it out.
import type { Context } from '../context.js';
import { mask } from '../log.js';

export interface HelperAnswer {
  stdout: string;
  stderr?: string;
  exitCode: number;
}

export type HelperContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'fetch' | 'now'>;

export const MAX_HELPER_INPUT = 1024 * 1024;

/** Reads stdin to EOF, stopping at a bound so a hostile writer cannot exhaust memory. */
export async function readInput(stdin: NodeJS.ReadableStream, limit = MAX_HELPER_INPUT): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) return Buffer.concat([...chunks, buf]).subarray(0, limit + 1);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function writeAnswer(ctx: Pick<Context, 'stdout' | 'stderr'>, answer: HelperAnswer): void {
  if (answer.stdout) ctx.stdout.write(answer.stdout);
  if (answer.stderr) ctx.stderr.write(`${mask(answer.stderr.replace(/\n*$/, ''))}\n`);
}
