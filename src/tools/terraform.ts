// Terraform and OpenTofu: terraform-credentials-amplify get|store|forget <host>, and `setup terraform --host`
// (a credentials_helper block in the CLI config, and the launcher in ~/.terraform.d/plugins).
import { lazyHandler, type ToolEntry } from './types.js';

export const terraform = {
  name: 'terraform',
  executable: 'terraform-credentials-amplify',
  credential: {
    description: "Terraform's credentials helper protocol (terraform-credentials-amplify)",
    examples: [['What Terraform would do', '$0 credential terraform get registry.example.com']],
    args: [
      { kind: 'positional', name: 'get|store|forget' },
      { kind: 'positional', name: 'host' },
    ],
    call: (args) => ({
      handler: lazyHandler(() => import('../credential/terraform.js'), (m, ctx, _action, input) => m.terraformCredential(ctx, args, input)),
      action: args.at(-2),
      readsStdin: args.at(-2) === 'store',
      errorsOnStdout: false,
    }),
  },
  setup: {
    flag: '--host',
    flagDescription: 'host[:port] of the registry or service',
    description: "make Terraform and OpenTofu ask amplify for a host's token",
    details:
      'Adds `credentials_helper "amplify" {}` to the CLI config (TF_CLI_CONFIG_FILE, else ~/.terraformrc; ~/.tofurc as well where it exists), keeping every other byte, and installs the helper as ~/.terraform.d/plugins/terraform-credentials-amplify.',
    examples: [
      ['Bind a module or provider registry', '$0 auth setup terraform --host registry.example.com'],
      ['Undo', '$0 auth setup terraform --host registry.example.com --remove'],
    ],
    target: (host) => host,
    load: () => import('../setup/terraform.js').then((m) => m.terraformSetup),
  },
} as const satisfies ToolEntry;
