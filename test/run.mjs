// Runs the whole suite with node's test runner; under a private D-Bus session with an unlocked
// gnome-keyring where those are installed, so the keyring store is tested against a real Secret Service.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : testFiles(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

/**
 * The order files start in. First those that spend most of their time waiting on a deadline, a lock or an expiry (half
 * a minute each, little CPU), so that the rest of the suite runs beside their waits instead of after them; then the
 * heaviest on CPU and the three that take turns on port 3000 (test/support/port3000.ts), so that none of them is left
 * running alone at the end. The rest by name. A name not found is no harm.
 */
const WAITING = ['reliability-faults', 'reliability-deadlines', 'network-waits', 'reliability-refresh', 'reliability-files', 'interactive-device'];
const HEAVY = ['security-helpers', 'reliability-crash', 'keyring-store', 'network-proxy', 'interactive-amplify', 'interactive-pkce', 'security-secrets'];
const rank = (file) => {
  const at = [...WAITING, ...HEAVY].findIndex((name) => file.endsWith(`/${name}.test.ts`));
  return at === -1 ? WAITING.length + HEAVY.length : at;
};

const filter = process.argv.slice(2);
const files = testFiles(join(root, 'test'))
  .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
// Files at once (AMPLIFY_TEST_CONCURRENCY; test/run-files.mjs): the waiting ones above, and three more beside them.
process.env.AMPLIFY_TEST_CONCURRENCY ||= String(WAITING.length + 3);
const nodeArgs = ['--import', 'tsx', join(root, 'test', 'run-files.mjs'), ...files];

/**
 * The one platform the suites that neither stop, reconfigure nor count on it share (test/platform/index.ts
 * sharedPlatform): started once here, its origin passed on in AMPLIFY_TEST_PLATFORM, stopped when the suite ends.
 */
async function startSharedPlatform() {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'platform', 'shared.ts')], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('the shared platform did not say where it listens within 60 s'));
    }, 60_000);
    const onData = (chunk) => {
      out += chunk;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      // Whatever it prints later is drained, so that a full pipe never stalls it while the suite runs.
      child.stdout.off('data', onData).resume();
      resolve(out.trim());
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the shared platform exited (${code}) before it listened`));
    });
  });
  return { origin, stop: () => child.stdin.end() };
}

// What the platforms of every file may reuse (their key pairs: test/platform/data.ts TEST_CACHE_ENV), removed when the suite ends.
const cache = mkdtempSync(join(tmpdir(), 'amplify-test-cache-'));
process.env.AMPLIFY_TEST_CACHE = cache;

/**
 * oidc-provider bundled into one file there (test/platform/provider.ts OIDC_PROVIDER_BUNDLE): under tsx's loader its ~60
 * modules each pay a round trip through the hooks, about half a second of CPU in every file that starts a platform.
 * Without esbuild, or if it fails, the platforms import the package itself.
 */
async function bundleOidcProvider() {
  try {
    const { build } = await import('esbuild');
    await build({
      entryPoints: [join(root, 'node_modules', 'oidc-provider', 'lib', 'index.js')],
      outfile: join(cache, 'oidc-provider.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      // oidc-provider names its models and errors after their classes
      keepNames: true,
      // its CommonJS dependencies require Node's built-in modules
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      logLevel: 'silent',
    });
  } catch (error) {
    console.log(`note: oidc-provider is not bundled for the test platforms (${error.message}); they load the package.`);
  }
}
await bundleOidcProvider();

let result;
try {
  const shares = files.some((f) => readFileSync(join(root, f), 'utf8').includes('sharedPlatform('));
  const shared = shares ? await startSharedPlatform() : { stop: () => undefined };
  if (shares) process.env.AMPLIFY_TEST_PLATFORM = shared.origin;
  try {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS && has('dbus-run-session') && has('gnome-keyring-daemon')) {
      const inner = `echo -n amplify-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; export AMPLIFY_TEST_SECRET_SERVICE=1; exec "${process.execPath}" ${nodeArgs.map((a) => `'${a}'`).join(' ')}`;
      result = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner], { cwd: root, stdio: 'inherit' });
    } else {
      if (!has('gnome-keyring-daemon')) console.log('note: gnome-keyring is not installed; the Secret Service keyring tests will skip (apt-get install -y gnome-keyring dbus-x11 libsecret-tools).');
      result = spawnSync(process.execPath, nodeArgs, { cwd: root, stdio: 'inherit' });
    }
  } finally {
    shared.stop();
  }
} finally {
  rmSync(cache, { recursive: true, force: true });
}
process.exit(result.status ?? 1);
