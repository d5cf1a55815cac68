// Talking with a person at a terminal (stderr, never stdout): questions through @inquirer/prompts, and progress and bounds while they act in a browser.
import type { Context } from './context.js';
import { AmplifyError } from './errors.js';
import type { Person, PersonWait } from './flows/person.js';

type PromptContext = Pick<Context, 'stdin' | 'stderr'>;

const streams = (ctx: PromptContext) => ({ input: ctx.stdin, output: ctx.stderr, clearPromptOnDone: false });

/** One rule for Ctrl-C (and SIGTERM), at a prompt and in a wait alike: the same words, exit 128 + the signal's number. */
export function cancelled(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT'): AmplifyError {
  return new AmplifyError('ECANCELLED', `cancelled (${signal === 'SIGINT' ? 'Ctrl-C' : signal}); nothing was changed.`, { exitCode: signal === 'SIGINT' ? 130 : 143 });
}

/** Ctrl-C in a prompt is a cancel, not a crash. */
async function asked<T>(question: Promise<T>): Promise<T> {
  try {
    return await question;
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError' || (error as Error).name === 'AbortPromptError') throw cancelled();
    throw error;
  }
}

export async function promptUsername(ctx: PromptContext): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  return asked(input({ message: 'Username:', validate: (v) => (v.trim() ? true : 'enter a username') }, streams(ctx))).then((v) => v.trim());
}

export async function promptPassword(ctx: PromptContext, username: string): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  return asked(password({ message: `Password for ${username}:`, mask: true, validate: (v) => (v ? true : 'enter the password') }, streams(ctx)));
}

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
}

/** Arrow keys to move, type to filter. */
export async function pick<T>(ctx: PromptContext, message: string, choices: Choice<T>[]): Promise<T> {
  const { search } = await import('@inquirer/prompts');
  return asked(
    search<T>(
      {
        message,
        source: (term) => {
          const wanted = (term ?? '').toLowerCase();
          return choices.filter((c) => !wanted || c.name.toLowerCase().includes(wanted) || (c.description ?? '').toLowerCase().includes(wanted));
        },
      },
      streams(ctx),
    ),
  );
}

type WaitContext = Pick<Context, 'stderr'>;

/** A spinner with a message while the terminal waits for a person elsewhere; only where stderr is a terminal. */
export function progress(ctx: WaitContext, message: string): { stop(): void } {
  const stderr = ctx.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  if (!stderr.isTTY) return { stop: () => undefined };
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  const draw = () => stderr.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${message}`);
  draw();
  const timer = setInterval(draw, 120);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      stderr.write('\r\x1b[2K');
    },
  };
}

/**
 * The bounds of waiting for someone to finish in a browser: the --timeout, and Ctrl-C or SIGTERM, which
 * end the wait as a clean cancel (the caller has stored nothing yet) rather than a kill mid-way.
 */
export function waitForPerson(options: { timeoutSeconds: number; timeoutMessage: string }): PersonWait {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AmplifyError('ETIMEOUT', options.timeoutMessage)), options.timeoutSeconds * 1000);
  const onSignal = (signal: NodeJS.Signals) => {
    const error = cancelled(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    controller.abort(error);
    // A grant library's pending timer must not keep a cancelled login alive.
    setTimeout(() => process.exit(error.exitCode), 2000).unref();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The person at this terminal, for the browser and device sign-ins: what they read goes to stderr, never stdout. */
export function personAt(ctx: Pick<Context, 'stderr' | 'openBrowser'>): Person {
  return {
    show: (text) => void ctx.stderr.write(text),
    warn: (message) => void ctx.stderr.write(`amplify: warning: ${message}\n`),
    openBrowser: (url) => ctx.openBrowser(url),
    waiting: (message) => progress(ctx, message),
    waitFor: waitForPerson,
  };
}
