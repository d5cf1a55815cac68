// Runs the whole suite with node's test runner; under a private D-Bus session with an unlocked
// gnome-keyring where those are installed, so the keyring store is tested against a real Secret Service.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

const filter = process.argv.slice(2);
const files = testFiles(join(root, 'test')).filter((f) => filter.length === 0 || filter.some((word) => f.includes(word))).sort();
const nodeArgs = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=240000', '--test-reporter=spec', ...files];

let result;
if (!process.env.DBUS_SESSION_BUS_ADDRESS && has('dbus-run-session') && has('gnome-keyring-daemon')) {
  const inner = `echo -n amplify-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; export AMPLIFY_TEST_SECRET_SERVICE=1; exec "${process.execPath}" ${nodeArgs.map((a) => `'${a}'`).join(' ')}`;
  result = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner], { cwd: root, stdio: 'inherit' });
} else {
  if (!has('gnome-keyring-daemon')) console.log('note: gnome-keyring is not installed; the Secret Service keyring tests will skip (apt-get install -y gnome-keyring dbus-x11 libsecret-tools).');
  result = spawnSync(process.execPath, nodeArgs, { cwd: root, stdio: 'inherit' });
}
process.exit(result.status ?? 1);
