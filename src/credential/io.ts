// What a helper run returns: protocol data for stdout, a message for stderr, an exit code; the mains write it out.
import type { Context } from '../context.js';
import { errnoCode } from '../errors.js';
import { mask } from '../log.js';

export interface HelperAnswer {
  stdout: string;
  stderr?: string;
  exitCode: number;
}

export type HelperContext = Pick<Context, 'configDir' | 'keyring' | 'env' | 'log' | 'fetch' | 'now'>;

export const MAX_HELPER_INPUT = 1024 * 1024;

// Not `import ... from 'node:fs'`: as an ES module, node:fs builds its lazy stream classes (twenty
// internal modules) on import, and the helpers' fast path needs two plain syscalls.
const fs = (): typeof import('node:fs') => process.getBuiltinModule('node:fs');

/** Reads stdin to EOF, stopping at a bound so a hostile writer cannot exhaust memory. */
export async function readInput(stdin: NodeJS.ReadableStream, limit = MAX_HELPER_INPUT, already: Buffer[] = []): Promise<Buffer> {
  const chunks = [...already];
  let size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  if (size > limit) return Buffer.concat(chunks).subarray(0, limit + 1);
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) return Buffer.concat([...chunks, buf]).subarray(0, limit + 1);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * The helpers' stdin, read straight from fd 0: git and docker hand over a few bytes through a pipe,
 * and setting up process.stdin (a net.Socket) would cost more than the whole answer. Where the fd is
 * non-blocking (EAGAIN) the stream takes over from where the direct reads stopped.
 */
export async function readStandardInput(limit = MAX_HELPER_INPUT): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(64 * 1024);
    let n: number;
    try {
      n = fs().readSync(0, buf, 0, buf.length, null);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EOF') break;
      if (code === 'EAGAIN') return readInput(process.stdin, limit, chunks);
      // No stdin at all (closed fd): nothing to read, as with an empty pipe.
      if (code === 'EBADF') break;
      throw error;
    }
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    size += n;
    if (size > limit) break;
  }
  const all = Buffer.concat(chunks);
  return size > limit ? all.subarray(0, limit + 1) : all;
}

/**
 * A stdout or stderr that writes straight to its fd, as process.stdout does (synchronously) for files
 * and pipes, without building the stream; a non-blocking fd that is full hands the rest to the stream.
 * Only `write` is there: the helpers write their answer and nothing else.
 */
export function directOutput(fd: 1 | 2): NodeJS.WritableStream {
  const stream = (): NodeJS.WritableStream => (fd === 1 ? process.stdout : process.stderr);
  const write = (chunk: string | Uint8Array): boolean => {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(fs().writeSync(fd, bytes));
      } catch (error) {
        // The reader went away (git gave up on us): there is no one left to answer.
        if (errnoCode(error) === 'EPIPE') return false;
        if (errnoCode(error) !== 'EAGAIN') throw error;
        return stream().write(bytes);
      }
    }
    return true;
  };
  return { write } as NodeJS.WritableStream;
}

export function writeAnswer(ctx: Pick<Context, 'stdout' | 'stderr'>, answer: HelperAnswer): void {
  if (answer.stdout) ctx.stdout.write(answer.stdout);
  if (answer.stderr) ctx.stderr.write(`${mask(answer.stderr.replace(/\n*$/, ''))}\n`);
}
