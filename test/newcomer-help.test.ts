// A newcomer's help: command lists one line each, usage lines as typed, usage errors that say what to run, through the real bin.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, sandbox, type Sandbox } from './support/cli.js';
import { openTerminal, tmuxMissing } from './support/pty.js';

let box: Sandbox;
before(async () => {
  box = await sandbox();
});
after(async () => box.cleanup());

const AUTH_COMMANDS = ['login', 'logout', 'ls', 'switch', 'whoami', 'token', 'exec', 'setup', 'setup git', 'setup docker', 'setup npm', 'setup kubectl'];

/** Lines that start (after indentation) with `amplify auth <cmd>` followed by a space and a description. */
const listed = (text: string, command: string): number => text.split('\n').filter((l) => new RegExp(`^\\s+amplify auth ${command}\\s{2,}\\S`).test(l)).length;

describe('help lists the commands, one line each, exit 0', () => {
  for (const args of [[], ['auth'], ['auth', '--help'], ['auth', '-h'], ['help'], ['--help'], ['help', 'auth']]) {
    test(`amplify ${args.join(' ')}`, async () => {
      const out = await box.amplify(args);
      assert.equal(out.code, 0, out.stderr);
      assert.doesNotMatch(out.stdout + out.stderr, /Command not found|Multiple commands match/);
      for (const command of AUTH_COMMANDS) assert.equal(listed(out.stdout, command), 1, `amplify auth ${command} is listed once:\n${out.stdout}`);
      assert.match(out.stdout, /Run `amplify auth <command> --help`/);
    });
  }

  test('amplify auth setup --help lists the setup commands and nothing else', async () => {
    const out = await box.amplify(['auth', 'setup', '--help']);
    assert.equal(out.code, 0, out.stderr);
    for (const command of ['setup', 'setup git', 'setup docker', 'setup npm', 'setup kubectl']) assert.equal(listed(out.stdout, command), 1, command);
    assert.equal(listed(out.stdout, 'login'), 0);
  });

  test('on a terminal: the list, bold headings, and no colour with NO_COLOR', async (t) => {
    const missing = tmuxMissing();
    if (missing) return t.skip(missing);
    for (const [env, coloured] of [[{}, true], [{ NO_COLOR: '1' }, false]] as const) {
      const term = await openTerminal(box, ['auth', '--help'], env);
      try {
        assert.equal(await term.exitCode(), 0);
        const screen = await term.screen({ escapes: true });
        assert.match(screen, /amplify auth login/);
        assert.equal(/\x1b\[1m/.test(screen), coloured, `bold ${coloured ? 'on' : 'off'} with ${JSON.stringify(env)}:\n${screen}`);
      } finally {
        await term.close();
      }
    }
  });
});

describe("a command's help", () => {
  test('usage lines name values, not #0, and show --no-launch-browser', async () => {
    const out = await box.amplify(['auth', 'login', '--help']);
    assert.equal(out.code, 0, out.stderr);
    assert.doesNotMatch(out.stdout, /#0/);
    assert.match(out.stdout, /\[--env <env>\]/);
    assert.match(out.stdout, /\[--no-launch-browser\]/);
    assert.doesNotMatch(out.stdout, /\[--launch-browser\]/);
    assert.match(out.stdout, /--username \[<user>\]/);
    assert.equal((await box.amplify(['help', 'auth', 'login'])).stdout, out.stdout, '`amplify help auth login` is the same help');
  });

  test('required options stand in the usage line, first', async () => {
    const git = await box.amplify(['auth', 'setup', 'git', '--help']);
    assert.equal(git.code, 0, git.stderr);
    assert.match(git.stdout, /Usage: amplify auth setup git --host <host\[:port\]> \[/);
    const npm = await box.amplify(['auth', 'setup', 'npm', '--help']);
    assert.match(npm.stdout, /Usage: amplify auth setup npm --registry <url>/);
  });

  test('amplify version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const out = await box.amplify(['version']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), version);
  });
});

describe('usage errors say what to run, in one line of sentences', () => {
  const usage = async (args: string[]) => {
    const out = await box.amplify(args);
    assert.equal(out.code, 2, `exit 2 for amplify ${args.join(' ')}: ${out.stderr}`);
    assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
    assert.doesNotMatch(out.stderr, /#0|\) \(`|`\) Run|Command not found/, out.stderr);
    return out.stderr;
  };

  test('a missing required option is named as required', async () => {
    const err = await usage(['auth', 'setup', 'git']);
    assert.match(err, /--host is required/);
    assert.doesNotMatch(err, /did you mean/i);
  });

  test('a mistyped command gets a suggestion', async () => {
    assert.match(await usage(['auth', 'lgoin']), /did you mean `amplify auth login`\?/i);
    assert.match(await usage(['auth', 'swtich']), /did you mean `amplify auth switch`\?/i);
  });

  test('a mistyped option gets a suggestion, without the whole usage line', async () => {
    const err = await usage(['auth', 'ls', '--jsn']);
    assert.match(err, /unknown option --jsn.*did you mean --json\?/);
    assert.doesNotMatch(err, /\[--json\]/);
  });

  test('a bad value: its own sentence, then the help to run', async () => {
    const err = await usage(['auth', 'login', '--env', 'prd']);
    assert.match(err, /\(got "prd"\) in `amplify auth login --env prd`\. Run `amplify auth login --help` for its options\./);
  });

  test('an unknown setup tool: our own error listing the tools', async () => {
    const err = await usage(['auth', 'setup', 'foo']);
    assert.match(err, /unknown command "foo".*docker, git, kubectl, npm/);
  });

  test('the echoed command line masks secrets', async () => {
    const err = await usage(['auth', 'login', '--client-secret', 'very-secret-value', '--password=other-secret', '--jsn']);
    assert.ok(!err.includes('very-secret-value') && !err.includes('other-secret'), err);
  });
});
