// The single place anything is logged: every line passes through mask() so no secret reaches a terminal or log.

const secrets = new Set<string>();
/** Longest first, so that a secret containing another one is masked whole; undefined until mask() sorts it again. */
let ordered: string[] | undefined = [];

// Shorter values are too likely to be ordinary words in a message; they still pass the patterns below.
const MIN_SECRET_LENGTH = 6;
// PEM bodies come in 64-character lines: each one is masked on its own too, in case a line is quoted alone.
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----([\s\S]*?)-----END [A-Z0-9 ]*PRIVATE KEY-----/g;
const MIN_PEM_LINE = 16;

function add(value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/**
 * Values registered since mask() last ran. A store read registers every secret it holds (a hundred accounts:
 * hundreds of values), and most calls never print anything: the spellings are worked out when mask() needs them.
 */
const pending = new Set<string>();

/** Remember a value that must never be printed (tokens, client secrets, passwords, keys). */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) pending.add(value);
}

function expandPendingSecrets(): void {
  if (pending.size === 0) return;
  for (const value of pending) {
    const trimmed = value.trim();
    // The spellings a value takes on its way out: as is, in a URL or a form body, and inside a JSON string.
    for (const form of [value, trimmed, encodeURIComponent(trimmed), JSON.stringify(trimmed).slice(1, -1)]) add(form);
    for (const [, body] of trimmed.matchAll(PEM_BLOCK)) {
      for (const line of (body ?? '').split(/\r?\n/)) if (line.trim().length >= MIN_PEM_LINE) add(line.trim());
    }
  }
  pending.clear();
  ordered = undefined;
}

/** Forget every registered secret (tests, and long-lived library hosts between unrelated calls). */
export function forgetSecrets(): void {
  pending.clear();
  secrets.clear();
  ordered = [];
}

const SECRET_KEYS = [
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'client_secret',
  'client_assertion',
  'assertion',
  'password',
  'passwd',
  'secret',
  'code_verifier',
  'device_code',
  'private_key',
  'accessToken',
  'refreshToken',
  'idToken',
  'clientSecret',
  'privateKey',
  '_authToken',
  'AMPLIFY_TOKEN',
  'NODE_AUTH_TOKEN',
  'AMPLIFY_CLIENT_SECRET',
  'AMPLIFY_PASSWORD',
].join('|');

const PATTERNS: Array<[RegExp, string]> = [
  // A whole private key, or what is left of one when the text was cut short.
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, '[private key]'],
  // JWS (three parts) and JWE (five) compact serialisations: access, refresh and ID tokens, client assertions.
  [/\beyJ[\w-]{2,}(\.[\w-]*){2,4}/g, '[jwt]'],
  [/\b(Bearer|Basic|DPoP)(\s+)[\w.~+/=-]+/gi, '$1$2***'],
  // key=value, key: value, "key": "value" for every key that names a secret.
  [new RegExp(`(?<![\\w-])(${SECRET_KEYS})(["']?\\s*[=:]\\s*["']?)[^\\s"'&,;}]+`, 'gi'), '$1$2***'],
  // Words too common in prose to mask after a colon; only as URL, form or git-protocol parameters.
  [/(?<=(?:^|[?&#\s])(?:code|credential)=)[^\s&#"']+/gim, '***'],
  // Userinfo passwords in URLs.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, '$1***@'],
];

export function mask(text: string): string {
  let out = text;
  expandPendingSecrets();
  ordered ??= [...secrets].sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    // Until none is left: replacing one occurrence can never rebuild another (*** is shorter than a secret).
    while (out.includes(secret)) out = out.split(secret).join('***');
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

// C0 and C1 controls, DEL, and the bidirectional overrides and isolates that reorder what a terminal shows.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text from elsewhere (an issuer's error, a device code) as it may reach a terminal: control characters removed. */
export function printable(text: string): string {
  return text.replace(CONTROL, '');
}

/**
 * A command line as it may be shown in a message: the values of the options whose value is a secret (the login
 * grants' secretOptions: --client-secret, --password; `--opt value`, `--opt=value`, a value starting with `-` too,
 * whatever its length) become ***. The values are registered as well, so that any other text quoting one (a parser
 * error naming a stray argument) is masked by mask().
 */
export function maskArgv(argv: readonly string[], secretOptions: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!secretOptions.has(name)) out.push(arg);
    else if (eq >= 0) {
      registerSecret(arg.slice(eq + 1));
      out.push(`${name}=***`);
    } else {
      out.push(arg);
      if (i + 1 < argv.length) {
        registerSecret(argv[i + 1]);
        out.push('***');
        i += 1;
      }
    }
  }
  return out;
}

export interface Logger {
  /** Only with AMPLIFY_DEBUG=1: traces of requests and decisions. */
  debug(message: string): void;
  /** Always: a warning or a notice for the person, on stderr. */
  warn(message: string): void;
  readonly debugEnabled: boolean;
}

export function createLogger(stderr: Pick<NodeJS.WritableStream, 'write'>, debugEnabled: boolean): Logger {
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
