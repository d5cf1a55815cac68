// amplify credential git|docker|kubectl: the helper protocols as plumbing commands (the helpers/ executables skip clipanion).
import { Command, Option } from 'clipanion';
import { dockerCredential } from '../credential/docker.js';
import { gitCredential } from '../credential/git.js';
import { readInput, writeAnswer } from '../credential/io.js';
import { kubectlCredential } from '../credential/kubectl.js';
import { AmplifyCommand } from './base.js';

export class GitCredentialCommand extends AmplifyCommand {
  static override paths = [['credential', 'git']];
  static override usage = Command.Usage({
    category: 'Plumbing',
    description: "git's credential helper protocol (git-credential-amplify)",
    examples: [['What git would do', 'printf "protocol=https\\nhost=git.example.com\\n\\n" | $0 credential git get']],
  });

  action = Option.String({ required: true, name: 'get|store|erase|capability' });

  protected async run(): Promise<number> {
    const input = this.action === 'capability' ? Buffer.alloc(0) : await readInput(this.ctx.stdin);
    const answer = await gitCredential(this.ctx, this.action, input);
    writeAnswer(this.ctx, answer);
    return answer.exitCode;
  }
}

export class DockerCredentialCommand extends AmplifyCommand {
  static override paths = [['credential', 'docker']];
  static override usage = Command.Usage({
    category: 'Plumbing',
    description: "docker's credential helper protocol (docker-credential-amplify)",
    examples: [['What docker would do', 'echo registry.example.com | $0 credential docker get']],
  });

  action = Option.String({ required: true, name: 'get|store|erase|list|version' });

  protected async run(): Promise<number> {
    const input = ['get', 'store', 'erase'].includes(this.action) ? await readInput(this.ctx.stdin) : Buffer.alloc(0);
    const answer = await dockerCredential(this.ctx, this.action, input);
    writeAnswer(this.ctx, answer);
    return answer.exitCode;
  }
}

export class KubectlCredentialCommand extends AmplifyCommand {
  static override paths = [['credential', 'kubectl']];
  static override usage = Command.Usage({
    category: 'Plumbing',
    description: "kubectl's exec credential plugin: prints an ExecCredential",
    examples: [['Run by kubectl through a kubeconfig exec entry', '$0 credential kubectl --account my-sa']],
  });

  account = Option.String('--account', { description: 'the account to use instead of the default' });

  protected async run(): Promise<number> {
    const answer = await kubectlCredential(this.ctx, this.account);
    writeAnswer(this.ctx, answer);
    return answer.exitCode;
  }
}
