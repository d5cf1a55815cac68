// Throwaway certificates (openssl) for tests that need a TLS server a client can be told to trust: self-signed for 127.0.0.1, or from a private CA.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificate {
  key: string;
  cert: string;
  /** The certificate's file: the CA to hand a client (NODE_EXTRA_CA_CERTS, kubeconfig). */
  certFile: string;
  remove(): Promise<void>;
}

export async function selfSignedCertificate(): Promise<Certificate> {
  const dir = await mkdtemp(join(tmpdir(), 'amplify-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', keyFile, '-out', certFile];
  const made = spawnSync('openssl', args, { encoding: 'utf8' });
  if (made.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`openssl failed: ${made.stderr}`);
  }
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), certFile, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface PrivateCA extends Certificate {
  /** The CA's certificate file (what NODE_EXTRA_CA_CERTS names); cert and key are the server's, signed by it. */
  caFile: string;
  ca: string;
}

/** A throwaway private CA and a server certificate it signed for hostname (or an IPv4 address), as a company's internal issuer has. */
export async function privateCA(hostname: string): Promise<PrivateCA> {
  const dir = await mkdtemp(join(tmpdir(), 'amplify-ca-'));
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const steps = [
    ['req', '-x509', ...ec, '-subj', '/CN=amplify test private CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-days', '1', '-keyout', file('ca-key.pem'), '-out', file('ca.pem')],
    ['req', ...ec, '-subj', `/CN=${hostname}`, '-keyout', file('key.pem'), '-out', file('server.csr')],
    ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-CAcreateserial', '-days', '1', '-extfile', file('ext.cnf'), '-out', file('cert.pem')],
  ];
  await writeFile(file('ext.cnf'), `subjectAltName=${/^[0-9.]+$/.test(hostname) ? 'IP' : 'DNS'}:${hostname}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  for (const args of steps) {
    const made = spawnSync('openssl', args, { encoding: 'utf8' });
    if (made.status !== 0) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`openssl ${args[0]} failed: ${made.stderr}`);
    }
  }
  return {
    key: await readFile(file('key.pem'), 'utf8'),
    cert: await readFile(file('cert.pem'), 'utf8'),
    certFile: file('cert.pem'),
    ca: await readFile(file('ca.pem'), 'utf8'),
    caFile: file('ca.pem'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
