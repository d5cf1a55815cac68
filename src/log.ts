// The single place anything is logged: every line passes through mask() so no secret reaches a terminal or log.

const secrets = new Set<string>();

/** Remember a value that must never be printed (tokens, client secrets, passwords, keys). */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 6) secrets.add(value);
}

const PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[private key]'],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, '[jwt]'],
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, '$1 ***'],
  [
    /(?<![\w-])(access_token|refresh_token|id_token|token|client_secret|client_assertion|password|code|device_code|code_verifier|secret)(["']?\s*[=:]\s*["']?)[^\s"'&,}]+/gi,
    '$1$2***',
  ],
];

export function mask(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('***');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

export interface Logger {
  debug(message: string): void;
  warn(message: string): void;
  readonly debugEnabled: boolean;
}

export function createLogger(stderr: NodeJS.WritableStream, debugEnabled: boolean): Logger {
  return {
    debugEnabled,
    debug(message) {
      if (debugEnabled) stderr.write(`amplify: debug: ${mask(message)}\n`);
    },
    warn(message) {
      stderr.write(`${mask(message)}\n`);
    },
  };
}
