// Where a test needs a system tool (a real client, a terminal, a proxy) that this machine lacks: a skip with the reason
// on a developer's machine, the failure with that reason on CI, so that a CI run cannot pass by skipping what it must run.
import { spawnSync } from 'node:child_process';

/** CI=true is in .ci/run's environment (and every CI service's). */
export const onCI = (): boolean => Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

/** The reason to skip where something a test needs is missing; on CI it throws that reason instead. */
export function missingTool(reason: string): string {
  if (onCI()) throw new Error(`${reason}; CI must run the tests that need it (CI is set: missing fails, it does not skip)`);
  return reason;
}

/** Whether a system tool is installed. */
export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** false where every command is installed, else the skip reason for the first missing one (on CI: the failure). */
export function needs(...commands: Array<string | [command: string, why: string]>): string | false {
  for (const entry of commands) {
    const [command, why] = typeof entry === 'string' ? [entry, ''] : entry;
    if (!has(command)) return missingTool(`${command} not installed${why ? ` (${why})` : ''}`);
  }
  return false;
}
