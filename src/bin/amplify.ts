#!/usr/bin/env node
// The `amplify` executable's ES module build. helpers/amplify answers `amplify credential ...` (run by git, docker
// and kubectl) and `amplify auth ls` (run by prompts and scripts) on the helpers' CommonJS tiers (src/bin/fast-start.ts)
// and comes here for everything else, and for an `auth ls` the fast tier could not answer. Run directly,
// `credential` still skips the command tree: building clipanion's parser costs more than the answer.
import { createContext } from '../context.js';
import { runCredential } from './credential.js';

const argv = process.argv.slice(2);
const [first, tool, ...rest] = argv;
const wantsHelp = argv.includes('--help') || argv.includes('-h');

async function start(): Promise<void> {
  if (first === 'credential' && !wantsHelp && (tool === 'git' || tool === 'docker' || tool === 'kubectl')) return runCredential(tool, rest);
  const ctx = createContext();
  const [{ main }, { reportError }] = await Promise.all([import('../cli.js'), import('../commands/base.js')]);
  try {
    process.exitCode = await main(argv, ctx);
  } catch (error) {
    process.exitCode = reportError(ctx, error, false);
  }
}

void start();
