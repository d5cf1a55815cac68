// amplify auth setup [git|docker|npm|pnpm|kubectl|terraform]: bind a host to an account and configure the tool to ask amplify.
import { Command, Option } from 'clipanion';
import type { SetupRequest } from '../setup/index.js';
import type { Tool } from '../store/config.js';
import { AmplifyCommand, printJson } from './base.js';

export class SetupListCommand extends AmplifyCommand {
  static override paths = [['auth', 'setup']];
  static override usage = Command.Usage({
    category: 'Tools',
    description: 'list the hosts bound to accounts',
    examples: [['List bindings', '$0 auth setup']],
  });

  json = Option.Boolean('--json', false, { description: 'print the bindings as JSON' });

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<void> {
    const { describeBinding, listBindings } = await import('../setup/index.js');
    const bindings = await listBindings(this.ctx);
    if (this.json) printJson(this.ctx, bindings);
    else if (bindings.length === 0) this.ctx.stdout.write('No bindings. Run `amplify auth setup git --host <host>` (or docker, npm, kubectl).\n');
    else this.ctx.stdout.write(bindings.map((b) => `${describeBinding(b)}\n`).join(''));
  }
}

abstract class SetupToolCommand extends AmplifyCommand {
  account = Option.String('--account', { description: 'always use this account (default: whichever is selected at the time of use)' });
  remove = Option.Boolean('--remove', false, { description: 'undo the binding and the tool configuration' });
  json = Option.Boolean('--json', false, { description: 'print the binding as JSON' });

  protected abstract tool: Tool;
  protected abstract target(): string;
  protected username(): string | undefined {
    return undefined;
  }

  protected override get wantsJson(): boolean {
    return this.json;
  }

  protected async run(): Promise<void> {
    const request: SetupRequest = { tool: this.tool, target: this.target(), account: this.account, username: this.username(), remove: this.remove };
    // Loaded on use: it brings child_process and the tools' file writers, which no other command needs.
    const { describeBinding, setup } = await import('../setup/index.js');
    const result = await setup(this.ctx, request);
    for (const note of result.notes) this.ctx.log.warn(`amplify: ${note}`);
    if (this.json) {
      printJson(this.ctx, { ...result.binding, removed: this.remove, changed: result.changed });
      return;
    }
    this.ctx.stdout.write(this.remove ? `Removed ${this.tool} ${request.target}.\n` : `Bound ${describeBinding(result.binding)}.\n`);
    for (const line of result.changed) this.ctx.stdout.write(`  ${line}\n`);
  }
}

export class SetupGitCommand extends SetupToolCommand {
  static override paths = [['auth', 'setup', 'git']];
  static override usage = Command.Usage({
    category: 'Tools',
    description: 'make git ask amplify for credentials for a host',
    details: 'Sets `credential.https://<host>.helper` in the global git config (GIT_CONFIG_GLOBAL is honoured); for a loopback host the http:// key too.',
    examples: [
      ['Use the selected account for a git host', '$0 auth setup git --host git.example.com'],
      ['Always use one account', '$0 auth setup git --host git.example.com --account my-sa'],
      ['Undo', '$0 auth setup git --host git.example.com --remove'],
    ],
  });

  host = Option.String('--host', { required: true, description: 'host[:port] of the git server' });
  user = Option.String('--username', { description: 'username git is given (default oauth2)' });
  protected tool = 'git' as const;
  protected target(): string {
    return this.host;
  }
  protected override username(): string | undefined {
    return this.user;
  }
}

export class SetupDockerCommand extends SetupToolCommand {
  static override paths = [['auth', 'setup', 'docker']];
  static override usage = Command.Usage({
    category: 'Tools',
    description: 'make docker ask amplify for credentials for a registry',
    details: 'Adds a `credHelpers` entry to $DOCKER_CONFIG/config.json (default ~/.docker), keeping every other key.',
    examples: [['Bind a registry', '$0 auth setup docker --registry registry.example.com']],
  });

  registry = Option.String('--registry', { required: true, description: 'host[:port] of the registry' });
  user = Option.String('--username', { description: 'username docker is given (default oauth2)' });
  protected tool = 'docker' as const;
  protected target(): string {
    return this.registry;
  }
  protected override username(): string | undefined {
    return this.user;
  }
}

export class SetupNpmCommand extends SetupToolCommand {
  static override paths = [['auth', 'setup', 'npm']];
  static placeholders = { '--registry': '<url>' };
  static override usage = Command.Usage({
    category: 'Tools',
    description: 'give npm the token for a registry through amplify auth exec',
    details: 'Binds the registry; `amplify auth exec -- npm ...` then sets `npm_config_//<host>/<path>/:_authToken` for every bound registry, so nothing is written to .npmrc (a `${NODE_AUTH_TOKEN}` line an earlier version wrote there is removed).',
    examples: [['Bind a registry', '$0 auth setup npm --registry https://registry.example.com/npm/']],
  });

  registry = Option.String('--registry', { required: true, description: 'registry URL' });
  protected tool = 'npm' as const;
  protected target(): string {
    return this.registry;
  }
}

export class SetupPnpmCommand extends SetupToolCommand {
  static override paths = [['auth', 'setup', 'pnpm']];
  static placeholders = { '--registry': '<url>' };
  static override usage = Command.Usage({
    category: 'Tools',
    description: 'make pnpm ask amplify for the token of a registry (no wrapper)',
    details: 'Writes a launcher for the registry in the config directory and `//<host>/<path>/:tokenHelper=<launcher>` to the user .npmrc (NPM_CONFIG_USERCONFIG is honoured), keeping every other line. npm warns about the tokenHelper key, which it does not know.',
    examples: [['Bind a registry', '$0 auth setup pnpm --registry https://registry.example.com/npm/']],
  });

  registry = Option.String('--registry', { required: true, description: 'registry URL' });
  protected tool = 'pnpm' as const;
  protected target(): string {
    return this.registry;
  }
}

export class SetupKubectlCommand extends SetupToolCommand {
  static override paths = [['auth', 'setup', 'kubectl']];
  static override usage = Command.Usage({
    category: 'Tools',
    description: 'make kubectl get its token from amplify for a cluster',
    details: 'Adds a kubeconfig user with an exec entry running `amplify credential kubectl`, used by the contexts of that cluster.',
    examples: [['Bind a cluster', '$0 auth setup kubectl --cluster prod-eu']],
  });

  cluster = Option.String('--cluster', { required: true, description: 'cluster name in the kubeconfig' });
  protected tool = 'kubectl' as const;
  protected target(): string {
    return this.cluster;
  }
}

export class SetupTerraformCommand extends SetupToolCommand {
  static override paths = [['auth', 'setup', 'terraform']];
  static override usage = Command.Usage({
    category: 'Tools',
    description: 'make Terraform and OpenTofu ask amplify for a host\'s token',
    details:
      'Adds `credentials_helper "amplify" {}` to the CLI config (TF_CLI_CONFIG_FILE, else ~/.terraformrc; ~/.tofurc as well where it exists), keeping every other byte, and installs the helper as ~/.terraform.d/plugins/terraform-credentials-amplify.',
    examples: [
      ['Bind a module or provider registry', '$0 auth setup terraform --host registry.example.com'],
      ['Undo', '$0 auth setup terraform --host registry.example.com --remove'],
    ],
  });

  host = Option.String('--host', { required: true, description: 'host[:port] of the registry or service' });
  protected tool = 'terraform' as const;
  protected target(): string {
    return this.host;
  }
}
