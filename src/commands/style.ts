// Colour for a person at a terminal: only on a TTY whose hasColors() agrees (NO_COLOR, FORCE_COLOR, TERM), never in JSON or piped output.

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const plain = (text: string): string => text;

export const PLAIN: Style = { bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
const COLOURED: Style = { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39) };

type MaybeTty = { isTTY?: boolean; hasColors?: (env?: Record<string, string | undefined>) => boolean };

/**
 * Whether to colour what goes to `stream`. Node's own tty.WriteStream#hasColors decides from the environment given
 * (NO_COLOR and NODE_DISABLE_COLORS turn colour off, FORCE_COLOR wins over both, TERM=dumb has none); a stream that
 * is not a terminal (a pipe, a file, a test's buffer) never gets colour, whatever FORCE_COLOR says.
 */
export function wantsColour(stream: unknown, env: Record<string, string | undefined>): boolean {
  const tty = stream as MaybeTty;
  return Boolean(tty?.isTTY && typeof tty.hasColors === 'function' && tty.hasColors(env));
}

export function styleFor(stream: unknown, env: Record<string, string | undefined>, json = false): Style {
  return !json && wantsColour(stream, env) ? COLOURED : PLAIN;
}

/** The width of text as a terminal shows it: colour codes take no room. */
// eslint-disable-next-line no-control-regex
export const visibleLength = (text: string): number => text.replace(/\x1b\[[0-9;]*m/g, '').length;

/** How wide the terminal is: COLUMNS where set, else the terminal's own width; undefined for a pipe (no limit). */
export function terminalWidth(stream: unknown, env: Record<string, string | undefined>): number | undefined {
  const columns = Number(env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  const tty = stream as { isTTY?: boolean; columns?: number };
  return tty?.isTTY && tty.columns ? tty.columns : undefined;
}
