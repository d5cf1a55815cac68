// kubectl's exec credential plugin protocol (client.authentication.k8s.io): KUBERNETES_EXEC_INFO in, ExecCredential out.
import { isObject } from '../json.js';

export type ExecApiVersion = 'client.authentication.k8s.io/v1' | 'client.authentication.k8s.io/v1beta1';

export interface ExecInfo {
  apiVersion: ExecApiVersion;
  /** kubectl has a terminal for us on stdin. */
  interactive: boolean;
}

const API_VERSIONS: readonly ExecApiVersion[] = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];
// Absent when run by hand or by a kubectl too old to send it; every kubectl since 1.11 reads v1beta1.
const DEFAULT_EXEC_INFO: ExecInfo = { apiVersion: 'client.authentication.k8s.io/v1beta1', interactive: false };

export function parseExecInfo(envValue: string | undefined): ExecInfo | { error: string } {
  if (envValue === undefined || envValue.trim() === '') return { ...DEFAULT_EXEC_INFO };
  let info: unknown;
  try {
    info = JSON.parse(envValue);
  } catch {
    return { error: 'KUBERNETES_EXEC_INFO is not valid JSON' };
  }
  if (!isObject(info)) return { error: 'KUBERNETES_EXEC_INFO is not a JSON object (an ExecCredential)' };
  const { apiVersion, kind, spec } = info;
  if (kind !== undefined && kind !== 'ExecCredential') {
    return { error: `KUBERNETES_EXEC_INFO has kind ${quote(kind)}; expected "ExecCredential"` };
  }
  if (!isExecApiVersion(apiVersion)) {
    return {
      error: `KUBERNETES_EXEC_INFO asks for apiVersion ${quote(apiVersion)}; supported: ${API_VERSIONS.join(', ')} (set apiVersion in the kubeconfig exec entry)`,
    };
  }
  return { apiVersion, interactive: isObject(spec) && spec.interactive === true };
}

/** The ExecCredential kubectl reads back; without an expiry kubectl keeps the token until the cluster refuses it. */
export function formatExecCredential(apiVersion: ExecApiVersion, token: string, expiresAt: Date | null): string {
  if (token === '') throw new RangeError('ExecCredential: the token is empty');
  const status: { token: string; expirationTimestamp?: string } = { token };
  if (expiresAt !== null) status.expirationTimestamp = rfc3339Seconds(expiresAt);
  return `${JSON.stringify({ apiVersion, kind: 'ExecCredential', status })}\n`;
}

/** Whole seconds in UTC, the form Kubernetes' own metav1.Time writes. */
function rfc3339Seconds(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('ExecCredential: the expiry is not a valid date');
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString();
  // toISOString widens years past 9999 to "+010000", which is no RFC 3339 time.
  if (!/^\d{4}-/.test(iso)) throw new RangeError('ExecCredential: the expiry is out of range');
  return iso.replace('.000Z', 'Z');
}

function isExecApiVersion(value: unknown): value is ExecApiVersion {
  return API_VERSIONS.some((version) => version === value);
}

function quote(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
