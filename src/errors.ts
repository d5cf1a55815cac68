// Typed errors: created where the fault is known, turned into one line (or JSON) at the command boundary.
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

export class AmplifyError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    // Masked here as well as where it is printed: a message is read by more than the one printer (docker shows a helper's stdout).
    super(mask(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AmplifyError';
    this.code = code;
    this.exitCode = options.exitCode ?? (code === 'EUSAGE' ? 2 : 1);
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
