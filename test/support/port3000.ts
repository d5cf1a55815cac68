// Port 3000 is one for the whole machine, and an Amplify deployment's login must come back to it
// (src/flows/loopback.ts). Three files log in to one there (interactive-amplify, interactive-pkce and
// security-secrets), and test/run.mjs runs files at once: each holds this lock while it runs, so that no other file's
// login takes 3000 from interactive-amplify's test of it. amplify's own cross-process lock (src/store/lock.ts), in the
// suite's cache, or the temp directory when a file runs alone; a holder that died stops renewing it and is replaced.
// Any other file's browser login uses a plain OIDC client (`--issuer`), whose redirect is 127.0.0.1 on a port of its own:
// a `--base-url` browser login elsewhere could take 3000 (or 3001) and answer interactive-pkce's "the server is gone" check.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, type HeldLock } from '../../src/store/lock.js';

const LOCK = join(process.env.AMPLIFY_TEST_CACHE ?? tmpdir(), 'amplify-test-port-3000.lock');

export const holdPort3000 = (waitMs = 120_000): Promise<HeldLock> =>
  acquireLock(LOCK, { waitMs, staleMs: 5_000, now: Date.now, respectLiveHolder: true, what: 'port 3000 for the tests (test/support/port3000.ts)' });
