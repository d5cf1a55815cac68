// amplify help [<command>...] and amplify version: help is rendered by src/cli.ts before parsing (it knows every command).
import { Command, Option } from 'clipanion';
import { version } from '../version.js';
import { AmplifyCommand } from './base.js';

export class HelpCommand extends AmplifyCommand {
  static override paths = [['help']];
  static override usage = Command.Usage({
    category: 'Help',
    description: 'list the commands, or show one command in full',
    examples: [
      ['Every command', '$0 help'],
      ['One command', '$0 help auth login'],
    ],
  });

  words = Option.Rest({ name: 'command' });

  protected async run(): Promise<number> {
    // src/cli.ts answers `amplify help …` itself; reaching this means no command of that name.
    this.ctx.stderr.write(`amplify: no command \`amplify ${this.words.join(' ')}\`. Run \`amplify --help\` for the list.\n`);
    return 2;
  }
}

export class VersionCommand extends AmplifyCommand {
  static override paths = [['version']];
  static override usage = Command.Usage({
    category: 'Help',
    description: 'print the version (also --version)',
    examples: [['The version', '$0 version']],
  });

  protected async run(): Promise<void> {
    this.ctx.stdout.write(`${version}\n`);
  }
}
