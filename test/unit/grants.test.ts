// The grants table drives every place a login method matters: a method added to only some of them fails here.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Cli } from 'clipanion';
import { chooseMethod, type LoginOptions } from '../../src/accounts/login.js';
import { isServiceAccount, loginCommand } from '../../src/accounts/model.js';
import { commandLine } from '../../src/cli.js';
import { LoginCommand } from '../../src/commands/login.js';
import { GRANTS, grantOf, LOGINS, secretOptions, type LoginMethod } from '../../src/grants/index.js';
import type { AccountRecord } from '../../src/store/config.js';

const METHODS = Object.keys(GRANTS) as LoginMethod[];

/** The options `amplify auth login <flag> <value>` gives, for the flag alone. */
const optionsFor = (method: LoginMethod): LoginOptions => {
  const flag = LOGINS[method].flag;
  return flag ? { clientId: 'sa', [flag.option]: flag.option === 'device' ? true : 'given' } : { clientId: 'sa' };
};

const record = (method: string): AccountRecord =>
  ({ name: 'n', method, amplify: true, env: 'prod', issuer: 'https://login.axway.com/auth/realms/Broker', platformUrl: null, clientId: 'amplify-cli', clientAuth: null, user: { email: 'alice@example.com', name: null, sub: null } }) as unknown as AccountRecord;

describe('the grants table', () => {
  it('every method has both halves: its account (refresh, hint) and its login (flag, run)', () => {
    assert.deepEqual([...Object.keys(LOGINS)].sort(), [...METHODS].sort());
    for (const method of METHODS) {
      assert.equal(typeof LOGINS[method].run, 'function', method);
      assert.ok(GRANTS[method].relogin, method);
      assert.equal(grantOf(method), GRANTS[method]);
    }
    assert.equal(grantOf('token-exchange'), undefined);
    assert.equal(grantOf('toString'), undefined);
  });

  it('exactly one method has no flag (the default, last), and every other flag is an option of `amplify auth login`', () => {
    const defaults = METHODS.filter((method) => LOGINS[method].flag === null);
    assert.deepEqual(defaults, ['pkce']);
    assert.equal(Object.keys(LOGINS).at(-1), 'pkce', 'the default is asked about last');
    const [definition] = Cli.from([LoginCommand]).definitions();
    const defined = definition!.options.flatMap((option) => option.definition.split(/[ ,]+/)).filter((word) => word.startsWith('--'));
    const command = new LoginCommand() as unknown as Record<string, unknown>;
    for (const method of METHODS) {
      const flag = LOGINS[method].flag;
      if (!flag) continue;
      assert.ok(defined.includes(flag.name), `${method}: src/commands/login.ts defines ${flag.name}`);
      assert.ok(flag.option in command, `${method}: src/commands/login.ts has a property ${flag.option}`);
      for (const secret of LOGINS[method].secretOptions) assert.ok(defined.includes(secret), `${method}: ${secret} is a login flag`);
    }
  });

  it('each method is chosen by its flag alone, and no flag chooses the default', () => {
    for (const method of METHODS) assert.equal(chooseMethod(optionsFor(method)), method);
    assert.equal(chooseMethod({}), 'pkce');
    assert.equal(chooseMethod({ device: false }), 'pkce');
    assert.equal(chooseMethod({ username: true, clientSecret: 'sa-secret' }), 'password');
  });

  it('refusals come in the order they always did, before any choice', () => {
    const serviceTwice = '--client-secret and --secret-file are two ways to log a service account in; give one.';
    const deviceWith = '--device logs a person in through a browser elsewhere; it does not combine with --username, --client-secret or --secret-file.';
    assert.throws(() => chooseMethod({ secretFile: 'k.pem', clientSecret: 's', device: true }), { message: serviceTwice });
    assert.throws(() => chooseMethod({ secretFile: 'k.pem', clientSecret: 's' }), { message: serviceTwice });
    assert.throws(() => chooseMethod({ device: true, username: 'alice', secretFile: 'k.pem' }), { message: deviceWith });
    assert.throws(() => chooseMethod({ device: true, clientSecret: 's' }), { message: deviceWith });
    assert.throws(() => chooseMethod({ username: 'alice', secretFile: 'k.pem', clientSecret: 's' }), { message: '--username does not combine with --secret-file.' });
  });

  it('every method gives its own re-login hint, which picks it again', () => {
    const hints = METHODS.map((method) => loginCommand(record(method)));
    assert.equal(new Set(hints).size, METHODS.length, `one hint per method: ${hints.join(' | ')}`);
    for (const method of METHODS) {
      const hint = loginCommand(record(method));
      assert.ok(hint.endsWith(' --force'), hint);
      const flag = LOGINS[method].flag;
      const environment = GRANTS[method].relogin.environment;
      if (flag) assert.ok(hint.includes(flag.name) || (environment !== undefined && hint.startsWith(`${environment}=*** `)), `${method}: ${hint}`);
      else assert.equal(hint, 'amplify auth login --force');
      const picked = [...(environment ? ['clientSecret'] : []), ...hint.split(' ').filter((w) => w.startsWith('--'))];
      assert.equal(chooseHinted(picked), method, `${method}: ${hint} chooses it again`);
    }
    // A method this version does not know still gets a plain hint.
    assert.equal(loginCommand(record('token-exchange')), 'amplify auth login --force');
    assert.equal(isServiceAccount('token-exchange' as LoginMethod), false);
  });

  it('service accounts re-run their grant with what they kept, and authenticate their client with it', async () => {
    for (const method of METHODS) {
      const { serviceAccount, rerun, clientAuth } = GRANTS[method];
      const { keeps } = LOGINS[method];
      assert.equal(isServiceAccount(method), serviceAccount);
      if (serviceAccount) {
        assert.ok(rerun && keeps.length > 0, `${method}: a service account keeps a credential and re-runs with it`);
        assert.equal(typeof rerun(record(method), { kind: 'account', [keeps[0]!]: 'kept-credential' }), 'function', method);
        assert.equal(rerun(record(method), { kind: 'account' }), undefined, `${method}: nothing kept, nothing to re-run`);
      }
      if (keeps.length > 0) assert.ok(clientAuth, `${method}: what it keeps authenticates its client`);
      if (clientAuth) assert.equal(await clientAuth({}, { kind: 'account' }, record(method)), undefined, `${method}: nothing kept, a public client`);
    }
  });

  it('every secret option is masked when a command line is repeated', () => {
    const secrets = secretOptions();
    for (const option of ['--client-secret', '--password']) assert.ok(secrets.has(option), option);
    for (const option of secrets) {
      const line = commandLine(['auth', 'login', '--client-id', 'sa', option, 'hunter2-value', `${option}=other-value`]);
      assert.equal(line, `amplify auth login --client-id sa ${option} *** ${option}=***`);
    }
  });
});

describe('the helpers\' tiers, which never log in', () => {
  // The account halves are bundled there; the login halves, and the flows and prompts behind them, must not be.
  const tiers = ['credential-fast.cjs', 'credential-full.cjs'].map((name) => new URL(`../../dist/${name}`, import.meta.url));
  const built = tiers.every((file) => existsSync(file));
  it('bundle no login flow', { skip: built ? false : 'dist/ is not built (npm run build)' }, () => {
    for (const file of tiers) {
      const code = readFileSync(file, 'utf8');
      assert.match(code, /^\/\/ src\/grants\/index\.ts$/m, `${file.pathname} reads the grants table`);
      for (const login of ['src/flows/pkce.ts', 'src/flows/device.ts', 'src/flows/password.ts', 'src/prompts.ts']) {
        assert.doesNotMatch(code, new RegExp(`^// ${login.replace(/\./g, '\\.')}$`, 'm'), `${file.pathname} bundles ${login}`);
      }
      assert.doesNotMatch(code, /\bbrowserRedirect\b/, `${file.pathname} bundles the grants' login halves`);
    }
  });
});

/** The method `amplify auth login` would choose for the flags of a hint (clientSecret: the secret from the environment). */
function chooseHinted(words: string[]): LoginMethod {
  const options: LoginOptions = { clientId: 'sa' };
  for (const method of METHODS) {
    const flag = LOGINS[method].flag;
    if (flag && words.includes(flag.name)) Object.assign(options, { [flag.option]: flag.option === 'device' ? true : 'given' });
  }
  if (words.includes('clientSecret')) options.clientSecret = 'from-the-environment';
  return chooseMethod(options);
}
