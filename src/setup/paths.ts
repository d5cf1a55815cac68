// Where the executables live, so tools' config can name them by absolute path.
import { fileURLToPath } from 'node:url';

// Every bundle chunk sits in dist/, beside amplify.js and under the package root that holds helpers/.
export const gitHelperPath = (): string => fileURLToPath(new URL('../helpers/git-credential-amplify', import.meta.url));
// The `amplify` bin: a CommonJS launcher that starts `amplify credential kubectl` on the helpers' fast tier.
export const amplifyBinPath = (): string => fileURLToPath(new URL('../helpers/amplify', import.meta.url));
// Terraform's credentials helper, which the launcher in ~/.terraform.d/plugins runs.
export const terraformHelperPath = (): string => fileURLToPath(new URL('../helpers/terraform-credentials-amplify', import.meta.url));
