// amplify credential git|docker|kubectl|npm|terraform: the helper protocols as plumbing commands. helpers/amplify and dist/amplify.js
// answer these before the command tree is built; the commands give them their --help, and answer through the same
// call (src/credential/main.ts) if they run.
import { Command, Option } from 'clipanion';
import { readInput } from '../credential/io.js';
import { answerCall, credentialCall, type HelperCall } from '../credential/main.js';
import { AmplifyCommand } from './base.js';

/** One helper protocol: the call credentialCall makes of the arguments, answered as the helpers answer it. */
abstract class HelperProtocolCommand extends AmplifyCommand {
  protected abstract call(): HelperCall;

  /** A tool reads the answer, and its user sees its own progress, if any. */
  protected override get showsProgress(): boolean {
    return false;
  }

  protected async run(): Promise<number> {
    const call = this.call();
    return answerCall(this.ctx, call, call.readsStdin ? await readInput(this.ctx.stdin) : Buffer.alloc(0));
  }
}

export class GitCredentialCommand extends HelperProtocolCommand {
  static override paths = [['credential', 'git']];
  static override usage = Command.Usage({
    category: 'Plumbing',
    description: "git's credential helper protocol (git-credential-amplify)",
    examples: [['What git would do', 'printf "protocol=https\\nhost=git.example.com\\n\\n" | $0 credential git get']],
  });

  action = Option.String({ required: true, name: 'get|store|erase|capability' });

  protected call(): HelperCall {
    return credentialCall('git', [this.action]);
  }
}

export class DockerCredentialCommand extends HelperProtocolCommand {
  static override paths = [['credential', 'docker']];
  static override usage = Command.Usage({
    category: 'Plumbing',
    description: "docker's credential helper protocol (docker-credential-amplify)",
    examples: [['What docker would do', 'echo registry.example.com | $0 credential docker get']],
  });

  action = Option.String({ required: true, name: 'get|store|erase|list|version' });

  protected call(): HelperCall {
    return credentialCall('docker', [this.action]);
  }
}

export class KubectlCredentialCommand extends HelperProtocolCommand {
  static override paths = [['credential', 'kubectl']];
  static override usage = Command.Usage({
    category: 'Plumbing',
    description: "kubectl's exec credential plugin: prints an ExecCredential",
    examples: [['Run by kubectl through a kubeconfig exec entry', '$0 credential kubectl --account my-sa']],
  });

  account = Option.String('--account', { description: 'the account to use instead of the default' });

  protected call(): HelperCall {
    return credentialCall('kubectl', this.account === undefined ? [] : ['--account', this.account]);
  }
}

export class NpmCredentialCommand extends HelperProtocolCommand {
  static override paths = [['credential', 'npm']];
  static placeholders = { '--registry': '<url>' };
  static override usage = Command.Usage({
    category: 'Plumbing',
    description: "prints the token of the account bound to an npm registry (pnpm's tokenHelper)",
    details: 'Nothing else goes to stdout. `--bearer` prints `Bearer <token>`, what pnpm sends as the Authorization header; `amplify auth setup pnpm` writes a launcher that runs it.',
    examples: [['What the pnpm launcher runs', '$0 credential npm --registry https://registry.example.com/npm/ --bearer']],
  });

  registry = Option.String('--registry', { required: true, description: 'registry URL (bound with setup npm or setup pnpm)' });
  bearer = Option.Boolean('--bearer', false, { description: 'print `Bearer <token>`' });

  protected call(): HelperCall {
    return credentialCall('npm', ['--registry', this.registry, ...(this.bearer ? ['--bearer'] : [])]);
  }
}

export class TerraformCredentialCommand extends HelperProtocolCommand {
  static override paths = [['credential', 'terraform']];
  static override usage = Command.Usage({
    category: 'Plumbing',
    description: "Terraform's credentials helper protocol (terraform-credentials-amplify)",
    examples: [['What Terraform would do', '$0 credential terraform get registry.example.com']],
  });

  action = Option.String({ required: true, name: 'get|store|forget' });
  host = Option.String({ required: true, name: 'host' });

  protected call(): HelperCall {
    return credentialCall('terraform', [this.action, this.host]);
  }
}
