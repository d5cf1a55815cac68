// Port 3000 is one for the whole machine, and an Amplify deployment's login must come back to it
// (src/flows/loopback.ts). Three files log in to one there (interactive-amplify, interactive-pkce and
// security-secrets), and test/run.mjs runs files at once: each holds this lock while it runs, so that no other file's
// login takes 3000 from interactive-amplify's test of it. A directory in the suite's cache, or the temp directory
// when a file runs alone; a holder that died is noticed by its pid and replaced.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(process.env.AMPLIFY_TEST_CACHE ?? tmpdir(), 'amplify-test-port-3000.lock');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export async function holdPort3000(timeoutMs = 120_000): Promise<{ release(): Promise<void> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      return { release: () => rm(LOCK, { recursive: true, force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => ''));
    // A lock without a pid yet is being taken: only a holder known to be gone is replaced.
    if (holder > 0 && !alive(holder)) await rm(LOCK, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`port 3000's test lock (${LOCK}) was held by ${holder || 'a starting test'} for ${timeoutMs / 1000} s`);
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
