// amplify auth doctor: a healthy sandbox passes; each broken link of the chain fails with its check and its fix.
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { has, loginSecret, missingTool, mustRun } from './helpers-support.js';
import { startPlatform, type Platform } from './platform/index.js';
import { json, sandbox, type Sandbox } from './support/cli.js';

interface Check {
  id: string;
  ok: boolean;
  detail: string;
  fix: string | null;
}
interface Report {
  ok: boolean;
  checks: Check[];
}

let platform: Platform;
before(async () => {
  platform = await startPlatform({ quiet: true });
});
after(async () => {
  await platform?.close();
});

async function doctor(box: Sandbox, env?: Record<string, string>): Promise<{ code: number | null; report: Report; human: string }> {
  const out = await box.amplify(['auth', 'doctor', '--json'], { env });
  const human = await box.amplify(['auth', 'doctor'], { env });
  assert.equal(human.code, out.code, 'the same verdict with and without --json');
  return { code: out.code, report: json<Report>(out), human: human.stdout };
}

const failed = (report: Report): Check[] => report.checks.filter((c) => !c.ok);

/** Exit 1, exactly the checks named failing, each with a fix; what it returns is the one failure wanted. */
function assertFails(result: { code: number | null; report: Report; human: string }, id: RegExp): Check {
  assert.equal(result.code, 1, JSON.stringify(result.report, null, 2));
  assert.equal(result.report.ok, false);
  const check = failed(result.report).find((c) => id.test(c.id));
  assert.ok(check, `${id} fails: ${JSON.stringify(failed(result.report), null, 2)}`);
  assert.ok(check.fix, 'a failed check says what fixes it');
  assert.match(result.human, new RegExp(`✗ ${check.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*\\n\\s+fix: `));
  return check;
}

describe('amplify auth doctor', () => {
  let box: Sandbox;
  const kube = has('kubectl');
  const host = () => `127.0.0.1:${platform.port}`;
  before(async () => {
    box = await sandbox();
    await loginSecret(box, platform);
    await mustRun(box, ['auth', 'setup', 'git', '--host', host()]);
    await mustRun(box, ['auth', 'setup', 'docker', '--registry', host()]);
    if (kube) {
      const set = await box.run('kubectl', ['config', 'set-cluster', 'demo', `--server=https://${host()}`]);
      assert.equal(set.code, 0, set.stderr);
      await mustRun(box, ['auth', 'setup', 'kubectl', '--cluster', 'demo']);
    }
  });
  after(async () => box.cleanup());

  test('a healthy sandbox: exit 0, every check passes, no token or secret in the output', async () => {
    const result = await doctor(box);
    assert.equal(result.code, 0, JSON.stringify(failed(result.report), null, 2));
    assert.equal(result.report.ok, true);
    const ids = result.report.checks.map((c) => c.id);
    for (const id of ['config-dir', 'config-file', 'token-store', 'keyring', `issuer:${platform.issuer}`, `clock:${platform.issuer}`, `binding:git:https://${host()}`, `binding:docker:${host()}`, 'helpers-on-path']) {
      assert.ok(ids.includes(id), `${id} is checked: ${ids.join(', ')}`);
    }
    if (kube) assert.ok(ids.includes('binding:kubectl:demo'));
    assert.match(result.report.checks.find((c) => c.id === `issuer:${platform.issuer}`)!.detail, /direct \(loopback is never proxied\)/);
    const tokens = JSON.parse(await readFile(join(box.configDir, 'tokens.json'), 'utf8')) as { entries: Record<string, { accessToken?: string }> };
    const everything = JSON.stringify(result.report) + result.human;
    for (const entry of Object.values(tokens.entries)) assert.ok(!entry.accessToken || !everything.includes(entry.accessToken), 'no token');
    assert.ok(!everything.includes(platform.serviceAccounts.secret.clientSecret), 'no secret');
  });

  test('a broken git helper line: the git binding fails, and the fix is the setup command', async () => {
    const key = `credential.https://${host()}.helper`;
    await box.run('git', ['config', '--global', '--replace-all', key, '/nowhere/git-credential-other']);
    try {
      const check = assertFails(await doctor(box), new RegExp(`^binding:git:https://${host()}$`));
      assert.match(check.detail, /not this install's helper/);
      assert.match(check.fix!, new RegExp(`^amplify auth setup git --host ${host()}`));
    } finally {
      await mustRun(box, ['auth', 'setup', 'git', '--host', host()]);
    }
  });

  test('a docker credHelpers entry whose helper is missing from PATH', async () => {
    const check = assertFails(await doctor(box, { PATH: process.env.PATH ?? '' }), new RegExp(`^binding:docker:${host()}$`));
    assert.match(check.detail, /docker-credential-amplify is not on PATH/);
    assert.match(check.fix!, /PATH/);
  });

  test('a kubeconfig exec command that does not exist', async (t) => {
    if (!kube) return t.skip(missingTool('kubectl is not installed'));
    const set = await box.run('kubectl', ['config', 'set-credentials', 'amplify-demo', '--exec-command=/nowhere/node']);
    assert.equal(set.code, 0, set.stderr);
    try {
      const check = assertFails(await doctor(box), /^binding:kubectl:demo$/);
      assert.match(check.detail, /\/nowhere\/node, which does not exist/);
      assert.match(check.fix!, /^amplify auth setup kubectl --cluster demo/);
    } finally {
      await mustRun(box, ['auth', 'setup', 'kubectl', '--cluster', 'demo']);
    }
  });

  test('a world-writable config.json', async () => {
    const file = join(box.configDir, 'config.json');
    await chmod(file, 0o666);
    try {
      const check = assertFails(await doctor(box), /^config-file$/);
      assert.match(check.fix!, new RegExp(`chmod 600 ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    } finally {
      await chmod(file, 0o600);
    }
  });
});

describe('issuers', () => {
  test('an unreachable issuer fails with what to check', async () => {
    const gone = await startPlatform({ quiet: true });
    const box = await sandbox();
    try {
      await loginSecret(box, gone);
      await gone.stop();
      const check = assertFails(await doctor(box), new RegExp(`^issuer:${gone.issuer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      assert.match(check.detail, /cannot be reached, direct/);
      assert.match(check.fix!, /HTTPS_PROXY\/NO_PROXY/);
    } finally {
      await box.cleanup();
      await gone.close();
    }
  });

  test('a platform whose clock is 5 minutes off: the clock check fails', async () => {
    const skewed = await startPlatform({ quiet: true, dateSkewSeconds: 300 });
    const box = await sandbox();
    try {
      await loginSecret(box, skewed);
      const check = assertFails(await doctor(box), /^clock:/);
      assert.match(check.detail, /(29\d|30\d) s behind/);
      assert.match(check.fix!, /synchronise the clock/);
      const ok = await doctor(box).then((r) => r.report.checks.find((c) => c.id === `issuer:${skewed.issuer}`));
      assert.equal(ok?.ok, true, 'reachable all the same');
    } finally {
      await box.cleanup();
      await skewed.close();
    }
  });
});
