// The helper tools: one entry each (src/tools/<tool>.ts), in the order `amplify auth setup --help` lists them.
// Everything that varies by tool reads this table: the credential dispatch (src/credential/main.ts), the
// `amplify credential` and `amplify auth setup` commands, the executables (src/bin/entries.ts), the binding slots,
// setup (src/setup/index.ts) and doctor. test/unit/tools.test.ts holds it to package.json's bin and helpers/.
// Reach a tool through this table: a tool module imported first would meet its own entry here before defining it
// (src/tools/<tool>.ts imports src/accounts/bindings.ts, which imports this table).
import { docker } from './docker.js';
import { git } from './git.js';
import { kubectl } from './kubectl.js';
import { npm } from './npm.js';
import { pnpm } from './pnpm.js';
import { terraform } from './terraform.js';
import type { ToolEntry } from './types.js';

export const TOOLS = [git, docker, npm, pnpm, kubectl, terraform] as const satisfies readonly ToolEntry[];

type Entry = (typeof TOOLS)[number];
/** A tool `setup` binds hosts for (config.json's bindings[].tool). */
export type ToolName = Entry['name'];
/** A tool with a credential helper protocol of its own: `amplify credential <tool>`. */
export type CredentialTool = Extract<Entry, { credential: object }>['name'];
/** An executable in helpers/ that speaks for a tool. */
export type ToolExecutable = Extract<Entry, { executable: string }>['executable'];

/** The entry of a tool by name; undefined for a name this install does not know (a config.json from elsewhere). */
export const toolNamed = (name: string): ToolEntry | undefined => TOOLS.find((tool) => tool.name === name);
