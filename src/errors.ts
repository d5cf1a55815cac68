// Typed errors: created where the fault is known, with its parts (issuer, what was being done, the OAuth error, the
// hint), and turned into one line (or JSON) by renderError, the one renderer for commands and helpers alike.
import { debugOn } from './debug.js';
import { mask } from './log.js';

export type ErrorCode =
  | 'EUSAGE'
  | 'ENOACCOUNT'
  | 'ENEEDSLOGIN'
  | 'EISSUER'
  | 'EAUTH'
  | 'ENETWORK'
  | 'ECONFIG'
  | 'ESTORE'
  | 'EKEYRING'
  | 'EINTEGRITY'
  | 'EKEYFILE'
  | 'ELOCK'
  | 'ENOORG'
  | 'ETIMEOUT'
  | 'ECANCELLED'
  | 'ECOMMAND';

/** What an issuer said when it refused: its `error` and `error_description`, control characters already removed. */
export interface OAuthError {
  error: string;
  description?: string;
}

/** What an issuer's invalid_grant says: `<issuer> refused the grant[ while <doing>] (<description>)`. */
export const grantRefused = (issuer: string, description: string | undefined, doing?: string): string =>
  `${issuer} refused the grant${doing === undefined ? '' : ` while ${doing}`} (${description ?? 'invalid_grant'})`;

/** An error in parts; its line is `<fault><join><hint>.` and then the note. */
export interface ErrorParts {
  /** What went wrong, without its closing full stop. */
  fault: string;
  /** What to do about it, without its closing full stop. */
  hint?: string;
  /** How the hint follows the fault: `; ` unless said (`: run \`…\``). */
  join?: '; ' | ': ';
  /** A further sentence after the line (the issuer's clock), without its closing full stop. */
  note?: string;
  /** The account concerned. */
  account?: string;
  /** The issuer that answered (or failed to). */
  issuer?: string;
  /** What was being done: "refreshing <account>", "reading its discovery document". */
  doing?: string;
  oauthError?: OAuthError;
}

const lead = (parts: ErrorParts): string => (parts.hint === undefined ? parts.fault : `${parts.fault}${parts.join ?? '; '}${parts.hint}`);

export class AmplifyError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** The parts it was built from; undefined for an error given as one whole line. */
  readonly parts: Readonly<ErrorParts> | undefined;

  /** `message` is the whole line (ending in its full stop), or the parts it is built from. */
  constructor(code: ErrorCode, message: string | ErrorParts, options: { cause?: unknown; exitCode?: number } = {}) {
    const parts = typeof message === 'string' ? undefined : message;
    const line = parts === undefined ? (message as string) : `${lead(parts)}.${parts.note === undefined ? '' : ` ${parts.note}.`}`;
    // Masked here as well as by renderError: a message is also read where nothing renders it (the library entry's
    // callers, `auth status` problems, the refresh outcome that waiting processes share through a file).
    super(mask(line), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AmplifyError';
    this.code = code;
    this.exitCode = options.exitCode ?? (code === 'EUSAGE' ? 2 : 1);
    this.parts = parts;
  }

  // Read from the parts, not copied: one place holds each.
  get issuer(): string | undefined {
    return this.parts?.issuer;
  }
  get doing(): string | undefined {
    return this.parts?.doing;
  }
  get oauthError(): OAuthError | undefined {
    return this.parts?.oauthError;
  }
  get hint(): string | undefined {
    return this.parts?.hint;
  }
  get account(): string | undefined {
    return this.parts?.account;
  }
}

export const usageError = (message: string): AmplifyError => new AmplifyError('EUSAGE', message);

export function isAmplifyError(error: unknown, code?: ErrorCode): error is AmplifyError {
  return error instanceof AmplifyError && (code === undefined || error.code === code);
}

/** Node system errors carry a string `code` such as ENOENT. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * An error's line without its closing full stop, to be quoted inside another sentence: from its parts where it has
 * them; a line given whole (ours, or anyone's Error) loses a final `.`.
 */
export function clause(error: unknown): string {
  if (error instanceof AmplifyError && error.parts) {
    const parts = error.parts;
    return mask(parts.note === undefined ? lead(parts) : `${lead(parts)}. ${parts.note}`);
  }
  return ((error as Error)?.message ?? String(error)).replace(/\.$/, '');
}

/**
 * Where a failure is said: `command` on stderr (`--json`: `command-json`, the SPEC's `{"error":{code,message}}` on
 * stdout); a helper's on stderr (`helper`), or on stdout where its tool shows stdout as the error (`helper-stdout`:
 * docker).
 */
export type ErrorOutput = 'command' | 'command-json' | 'helper' | 'helper-stdout';

export interface RenderedError {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** `amplify: <message>`, masked: the one line a helper's handler answers with when a call fails. */
export function errorLine(error: unknown): string {
  return mask(`amplify: ${(error as Error)?.message ?? String(error)}`);
}

/**
 * The one renderer: what a failure prints and its exit code, masked (the message, and the stack that AMPLIFY_DEBUG=1
 * adds on stderr). A command calls an error that is not ours unexpected; a helper says its message as it is.
 */
export function renderError(error: unknown, output: ErrorOutput, env: NodeJS.ProcessEnv | Readonly<Record<string, string | undefined>>): RenderedError {
  const known = error instanceof AmplifyError;
  let stdout = '';
  let stderr = '';
  if (output === 'helper' || output === 'helper-stdout') {
    // On stderr, as every helper answer's stderr is written (src/credential/io.ts writeAnswer): one line, one newline.
    if (output === 'helper') stderr = `${errorLine(error).replace(/\n*$/, '')}\n`;
    else stdout = `${errorLine(error)}\n`;
  } else {
    const message = mask(known ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`);
    if (output === 'command-json') stdout = `${JSON.stringify({ error: { code: known ? error.code : 'EUNEXPECTED', message } }, null, 2)}\n`;
    else stderr = `amplify: ${message}\n`;
  }
  if (debugOn(env) && error instanceof Error && error.stack) stderr += `${mask(error.stack)}\n`;
  // A tool reads a helper's failure from its exit status alone: 1, whatever the code.
  const exitCode = output === 'helper' || output === 'helper-stdout' ? 1 : known ? error.exitCode : 1;
  return { stdout, stderr, exitCode };
}
