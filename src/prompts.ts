// Questions for a person at a terminal (on stderr, never stdout), through @inquirer/prompts.
import type { Context } from './context.js';
import { AmplifyError } from './errors.js';

type PromptContext = Pick<Context, 'stdin' | 'stderr'>;

const streams = (ctx: PromptContext) => ({ input: ctx.stdin, output: ctx.stderr, clearPromptOnDone: false });

/** Ctrl-C in a prompt is a cancel, not a crash. */
async function asked<T>(question: Promise<T>): Promise<T> {
  try {
    return await question;
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError' || (error as Error).name === 'AbortPromptError') throw new AmplifyError('ECANCELLED', 'cancelled; nothing was changed.');
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
