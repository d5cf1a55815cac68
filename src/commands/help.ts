// Help and usage errors for people: command lists one line each, usage lines with real placeholders, and typo suggestions.
import type { Cli, CommandClass } from 'clipanion';
import { PLAIN, type Style } from './style.js';

/** What a value stands for, by option name, where a command does not say otherwise (`static placeholders`). */
const PLACEHOLDERS: Record<string, string> = {
  '--env': '<env>',
  '--issuer': '<url>',
  '--base-url': '<url>',
  '--realm': '<name>',
  '--platform-url': '<url>',
  '--redirect-uri': '<url>',
  '--client-id': '<id>',
  '--client-secret': '<secret>',
  '--secret-file': '<key.pem>',
  '--username': '<user>',
  '--password': '<password>',
  '--scope': '<scopes>',
  '--timeout': '<seconds>',
  '--account': '<name>',
  '--org': '<id|guid|name>',
  '--min-validity': '<seconds>',
  '--host': '<host[:port]>',
  '--registry': '<host[:port]>',
  '--cluster': '<name>',
};

/** Flags shown as people type them: a default-on boolean by its negation, an optional value in brackets. */
const SWITCHES: Record<string, string> = {
  '--launch-browser': '--no-launch-browser',
  '--username': '--username [<user>]',
};

export interface OptionHelp {
  name: string;
  names: string[];
  /** As typed: `--env <env>`, `--no-launch-browser`. */
  text: string;
  description: string;
  required: boolean;
}

export interface CommandHelp {
  paths: string[][];
  /** The first path, as words: `amplify auth ls`. */
  title: string;
  category: string;
  description: string;
  details: string;
  examples: Array<[string, string]>;
  options: OptionHelp[];
  /** Positional arguments, as clipanion writes them: `[account]`, `...`, `<arg> ...`. */
  positionals: string;
}

type WithPlaceholders = CommandClass<never> & { placeholders?: Record<string, string> };

export function describeCommands(cli: Cli<never>, commands: CommandClass<never>[]): CommandHelp[] {
  return commands.flatMap((klass) => {
    const definition = cli.definition(klass as never);
    if (!definition) return [];
    const own = (klass as WithPlaceholders).placeholders ?? {};
    const options = definition.options.map((o): OptionHelp => {
      const takesValue = o.definition.endsWith(' #0');
      const names = takesValue ? o.definition.slice(0, -3) : o.definition;
      const text = takesValue ? `${names} ${own[o.preferredName] ?? PLACEHOLDERS[o.preferredName] ?? `<${o.preferredName.replace(/^-+/, '')}>`}` : (SWITCHES[o.preferredName] ?? names);
      return { name: o.preferredName, names: o.nameSet, text, description: o.description ?? '', required: o.required };
    });
    return [
      {
        paths: (klass.paths ?? []) as string[][],
        title: definition.path,
        category: (definition.category ?? '').trim(),
        description: (definition.description ?? '').trim(),
        details: (klass.usage?.details ?? '').replace(/\s+/g, ' ').trim(),
        examples: (definition.examples ?? []).map(([label, line]) => [label.trim(), line.trim()] as [string, string]),
        options: [...options.filter((o) => o.required), ...options.filter((o) => !o.required)],
        positionals: definition.usage.slice(definition.path.length).replace(/#0/g, '<value>').trim(),
      },
    ];
  });
}

/** The usage line's parts: the path, the required options, the optional ones, then the arguments. */
function usageParts(command: CommandHelp): string[] {
  const required = command.options.filter((o) => o.required).map((o) => o.text);
  const optional = command.options.filter((o) => !o.required).map((o) => `[${o.text}]`);
  return [command.title, ...required, ...optional, command.positionals].filter(Boolean);
}

export const usageOf = (command: CommandHelp): string => usageParts(command).join(' ');

/** Greedy wrapping of parts (words, or whole `[--option <value>]` groups) for a terminal `width` wide, continuation lines indented. */
function wrap(text: string | string[], width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of Array.isArray(text) ? text : text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

const startsWith = (path: string[], prefix: string[]): boolean => prefix.every((word, i) => path[i] === word);

/** Commands whose path begins with `words`. */
const under = (commands: CommandHelp[], words: string[]): CommandHelp[] => commands.filter((c) => c.paths.some((p) => startsWith(p, words)));

const oneLine = (rows: Array<[string, string]>, style: Style, width = Math.max(...rows.map(([left]) => left.length))): string => {
  return rows.map(([left, right]) => `  ${style.bold(left.padEnd(width))}  ${right}`).join('\n');
};

export interface HelpOptions {
  binaryLabel: string;
  version: string;
  style?: Style;
  width?: number;
}

/**
 * Help for `words` (`[]`, `['auth']`, `['auth', 'setup']`, `['auth', 'login']`): a list, one line a command, where
 * other commands begin with these words; a command's own help where it is the only one. Undefined for no command.
 */
export function renderHelp(commands: CommandHelp[], words: string[], options: HelpOptions): string | undefined {
  const style = options.style ?? PLAIN;
  const width = Math.max(40, Math.min(options.width ?? 80, 100));
  const matching = under(commands, words);
  if (matching.length === 0) return undefined;
  const exact = matching.find((c) => c.paths.some((p) => p.length === words.length));
  if (exact && matching.length === 1) return renderCommand(exact, style, width);
  const shown = matching;
  const categories = [...new Set(shown.map((c) => c.category))];
  const prefix = ['amplify', ...words].join(' ');
  const out = [`${options.binaryLabel} ${options.version}`, '', `${style.bold('Usage:')} ${prefix} <command> [options]`];
  const column = Math.max(...shown.map((c) => c.title.length));
  for (const category of categories) {
    out.push('', style.bold(`${category || 'Commands'}:`), oneLine(shown.filter((c) => c.category === category).map((c) => [c.title, c.description]), style, column));
  }
  out.push('', `Run \`${prefix === 'amplify' ? 'amplify auth' : prefix} <command> --help\` for a command's options and examples.`);
  return `${out.join('\n')}\n`;
}

function renderCommand(command: CommandHelp, style: Style, width: number): string {
  const out = [`${command.description.charAt(0).toUpperCase()}${command.description.slice(1)}.`, '', wrap([style.bold('Usage:'), ...usageParts(command)], width, '         ')];
  const aliases = command.paths.slice(1).map((p) => ['amplify', ...p].join(' '));
  if (aliases.length) out.push(`Also:  ${aliases.join(', ')}`);
  if (command.options.length) {
    out.push('', style.bold('Options:'), oneLine(command.options.map((o) => [o.text, `${o.description}${o.required ? ' (required)' : ''}`]), style));
  }
  if (command.details) out.push('', wrap(command.details, width, ''));
  if (command.examples.length) {
    out.push('', style.bold('Examples:'));
    for (const [label, line] of command.examples) out.push(`  ${label}:`, `    $ ${line}`);
  }
  return `${out.join('\n')}\n`;
}

/** Optimal string alignment distance: edits, with a swap of two neighbours counting as one ("lgoin" → "login"). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `word`, when it is close enough to be a typo of it. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of new Set(candidates)) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const limit = Math.max(1, Math.min(2, Math.floor(word.replace(/^-+/, '').length / 3)));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** The leading words of argv (up to the first option or `--`): the command a person meant. */
export const leadingWords = (argv: string[]): string[] => {
  const end = argv.findIndex((a) => a.startsWith('-'));
  return end === -1 ? argv : argv.slice(0, end);
};

/** The command with the longest path that `words` begin with. */
export function commandFor(commands: CommandHelp[], words: string[]): CommandHelp | undefined {
  let best: CommandHelp | undefined;
  let bestLength = -1;
  for (const command of commands) {
    for (const path of command.paths) {
      if (path.length > bestLength && path.length <= words.length && startsWith(words, path)) [best, bestLength] = [command, path.length];
    }
  }
  return best;
}

/** The longest run of `words` that begins some command's path: the group a person is in (`auth`, `auth setup`). */
export function groupOf(commands: CommandHelp[], words: string[]): string[] {
  for (let n = words.length; n > 0; n--) if (under(commands, words.slice(0, n)).length > 0) return words.slice(0, n);
  return [];
}

/** The words that may follow `group`: `login`, `logout`… after `auth`; `git`, `docker`… after `auth setup`. */
export function nextWords(commands: CommandHelp[], group: string[]): string[] {
  const words = new Set<string>();
  for (const command of commands) for (const path of command.paths) if (path.length > group.length && startsWith(path, group)) words.add(path[group.length]!);
  return [...words].sort();
}
