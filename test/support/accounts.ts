// An account as `amplify auth list --json` (and login, switch, whoami --json) print it: what the tests read back.

export interface Account {
  name: string;
  default: boolean;
  method: string;
  org: { id: string; guid: string | null; name: string } | null;
  orgs: Array<{ id: string; guid: string | null; name: string }>;
  needsLogin: boolean;
  tokenStore: string;
  expires: { access: string | null; refresh: string | null };
  user: { email: string | null; name: string | null; sub: string | null };
}
