#!/usr/bin/env node
// The `amplify` executable's ES module build. helpers/amplify answers on the CommonJS tiers what src/bin/entries.ts
// gives them and comes here for everything else, and for a call the fast tier could not answer. Run directly,
// `credential` still skips the command tree: building clipanion's parser costs more than the answer.
import { createContext } from '../context.js';
import { runCredential } from './credential.js';
import { isHelperCall, route } from './entries.js';

const argv = process.argv.slice(2);

async function start(): Promise<void> {
  const call = route('amplify', argv);
  if (call && isHelperCall(call)) return runCredential(call.entry, call.args);
  const ctx = createContext();
  const [{ main }, { reportError }] = await Promise.all([import('../cli.js'), import('../commands/report.js')]);
  try {
    process.exitCode = await main(argv, ctx);
  } catch (error) {
    process.exitCode = reportError(ctx, error, false);
  }
}

void start();
