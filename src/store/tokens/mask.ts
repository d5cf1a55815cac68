// Masking registration: every secret read from a store is masked from then on, whichever code path later prints it.
import { registerSecret } from '../../log.js';
import { ACCOUNT_SECRET_FIELDS, type SecretMap } from './entries.js';

/** Registers every secret `entries` holds with the logger's mask, and gives `entries` back; each backend's read ends here. */
export function maskSecrets(entries: SecretMap): SecretMap {
  for (const entry of Object.values(entries)) {
    if (typeof entry !== 'object' || entry === null) continue;
    if (entry.kind === 'docker') registerSecret(entry.secret);
    else if (entry.kind === 'terraform') for (const value of Object.values(entry.credentials ?? {})) registerSecret(typeof value === 'string' ? value : undefined);
    else for (const field of ACCOUNT_SECRET_FIELDS) registerSecret(entry[field]);
  }
  return entries;
}
