// A spinner on the terminal while a human command waits on the network for more than a second; nothing anywhere else.
import type { Context } from '../context.js';
import type { HttpFetch } from '../http.js';

/** Shorter waits pass unremarked: most requests answer well within it. */
export const SPINNER_DELAY_MS = 1000;
const FRAME_MS = 100;
const UNICODE_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ASCII_FRAMES = ['|', '/', '-', '\\'];
/** Back to the start of the line and erase it. */
const CLEAR_LINE = '\r\x1b[2K';

type Terminal = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * ctx.fetch wrapped so that, while any request has run for SPINNER_DELAY_MS, stderr shows a spinner naming the
 * host waited on; the line is erased when the last request ends. Only where stderr is a terminal: a helper, a
 * pipe, a log file or --json output never sees it (the caller decides which commands may show one).
 */
export function spinnerFetch(ctx: Pick<Context, 'fetch' | 'env'>, stderr: Terminal): { fetch: HttpFetch; stop(): void } {
  const inner = ctx.fetch;
  if (!stderr.isTTY) return { fetch: inner, stop: () => undefined };
  const utf8 = /utf-?8/i.test(ctx.env.LC_ALL || ctx.env.LC_CTYPE || ctx.env.LANG || '');
  const frames = utf8 ? UNICODE_FRAMES : ASCII_FRAMES;
  const waiting = new Map<number, string>();
  let next = 0;
  let frame = 0;
  let delay: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const draw = (): void => {
    const hosts = [...new Set(waiting.values())];
    stderr.write(`${CLEAR_LINE}${frames[frame++ % frames.length]} waiting for ${hosts.join(', ')}…`);
  };
  const stop = (): void => {
    clearTimeout(delay);
    delay = undefined;
    if (ticker) {
      clearInterval(ticker);
      ticker = undefined;
      stderr.write(CLEAR_LINE);
    }
  };
  const fetch: HttpFetch = async (input, init) => {
    const id = next++;
    waiting.set(id, new URL(String(input)).host);
    if (!delay && !ticker) {
      delay = setTimeout(() => {
        delay = undefined;
        draw();
        ticker = setInterval(draw, FRAME_MS).unref();
      }, SPINNER_DELAY_MS).unref();
    }
    try {
      return await inner(input, init);
    } finally {
      waiting.delete(id);
      if (waiting.size === 0) stop();
    }
  };
  return { fetch, stop };
}
