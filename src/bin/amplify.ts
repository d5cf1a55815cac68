#!/usr/bin/env node
// The `amplify` executable. `amplify credential ...` (run by git, docker and kubectl) and `amplify auth ls`
// (run by prompts and scripts) skip the command tree: building clipanion's parser for every command costs
// more than either of them.
import { createContext } from '../context.js';
import { runCredential } from './credential.js';

const argv = process.argv.slice(2);
const [first, tool, ...rest] = argv;
const wantsHelp = argv.includes('--help') || argv.includes('-h');

/** `auth ls`, `auth list`, either with `--json` and nothing else: ListCommand's output, without the command tree. */
async function listAccountsDirectly(ctx: ReturnType<typeof createContext>): Promise<boolean> {
  const [{ listAccounts }, { formatAccountList }] = await Promise.all([import('../accounts/manage.js'), import('../commands/format.js')]);
  try {
    ctx.stdout.write(formatAccountList(await listAccounts(ctx), rest.length > 0, ctx.now()));
    return true;
  } catch {
    // Failures are the command tree's to report (one line, or JSON with --json): it reads the files again.
    return false;
  }
}

async function start(): Promise<void> {
  if (first === 'credential' && !wantsHelp && (tool === 'git' || tool === 'docker' || tool === 'kubectl')) return runCredential(tool, rest);
  const ctx = createContext();
  if (first === 'auth' && (tool === 'ls' || tool === 'list') && (rest.length === 0 || (rest.length === 1 && rest[0] === '--json'))) {
    if (await listAccountsDirectly(ctx)) return;
  }
  const [{ main }, { reportError }] = await Promise.all([import('../cli.js'), import('../commands/base.js')]);
  try {
    process.exitCode = await main(argv, ctx);
  } catch (error) {
    process.exitCode = reportError(ctx, error, false);
  }
}

void start();
