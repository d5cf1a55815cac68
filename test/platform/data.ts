// The platform's demo directory: organizations, people and service accounts (with freshly made secrets and keys).
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface Org {
  /** The platform's numeric-looking org id, as a string (`'100001'`). */
  id: string;
  guid: string;
  name: string;
}

export interface Person {
  username: string;
  password: string;
  email: string;
  name: string;
  firstname: string;
  lastname: string;
  /** Subject identifier; also the person's platform guid. */
  sub: string;
  /** The first one is the person's default org. */
  orgs: Org[];
}

export interface ServiceAccount {
  clientId: string;
  name: string;
  org: Org;
  clientSecret?: string;
  keyFile?: string;
  /** Public JWK registered on the client (private_key_jwt accounts). */
  jwk?: JsonWebKeyWithKid;
}

export interface JsonWebKeyWithKid {
  kty: string;
  kid: string;
  [member: string]: unknown;
}

export const orgs: Org[] = [
  { id: '100001', guid: '3f1c9a52-7d4e-4b8a-9c21-0a5d6e100001', name: 'Acme Corp' },
  { id: '100002', guid: '3f1c9a52-7d4e-4b8a-9c21-0a5d6e100002', name: 'Globex' },
  { id: '100003', guid: '3f1c9a52-7d4e-4b8a-9c21-0a5d6e100003', name: 'Initech' },
];

const [acme, globex, initech] = orgs as [Org, Org, Org];

export const people: Person[] = [
  {
    username: 'alice',
    password: 'alice-pw',
    email: 'alice@example.com',
    name: 'Alice Anders',
    firstname: 'Alice',
    lastname: 'Anders',
    sub: '7b6a2e10-4c1d-4f0e-8a3b-a11ce0000001',
    orgs: [acme, globex],
  },
  {
    username: 'bob',
    password: 'bob-pw',
    email: 'bob@example.com',
    name: 'Bob Brown',
    firstname: 'Bob',
    lastname: 'Brown',
    sub: '7b6a2e10-4c1d-4f0e-8a3b-b0b000000002',
    orgs: [initech],
  },
];

export const BATCH_SIZE = 12;

export function findPerson(login: string): Person | undefined {
  const wanted = login.trim().toLowerCase();
  return people.find((p) => p.username === wanted || p.email === wanted || p.sub === wanted);
}

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** RFC 7638 thumbprint, so that a client computing its own `kid` that way matches ours. */
function thumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

const generate = promisify(generateKeyPair);

async function keyPair(type: 'rsa' | 'ec'): Promise<KeyPair> {
  return type === 'rsa' ? generate('rsa', { modulusLength: 2048 }) : generate('ec', { namedCurve: 'P-256' });
}

type KeyPair = { privateKey: KeyObject; publicKey: KeyObject };
/** A platform's four key pairs: the service accounts' RSA, EC and thumbprint-kid keys, and the provider's signing key. */
type KeyPairs = [rsa: KeyPair, ec: KeyPair, kidKey: KeyPair, signing: KeyPair];

/**
 * The directory test/run.mjs makes for what the suite's platforms may reuse across processes: generating the key
 * pairs is most of a platform's start (the two RSA keys above all). Unset (a test file run on its own), every
 * platform makes its own.
 */
export const TEST_CACHE_ENV = 'AMPLIFY_TEST_CACHE';

/** How many key sets this process has taken from the cache: its n-th platform takes set n, so one process's platforms never share keys. */
let keySetsTaken = 0;

const generateKeyPairs = (): Promise<KeyPairs> => Promise.all([keyPair('rsa'), keyPair('ec'), keyPair('ec'), keyPair('rsa')]);

/** Fresh key pairs, or with AMPLIFY_TEST_CACHE set this process's next set from there (made and stored by whichever process needs it first). */
async function platformKeyPairs(): Promise<KeyPairs> {
  const cache = process.env[TEST_CACHE_ENV];
  if (!cache) return generateKeyPairs();
  const file = join(cache, `platform-keys-${keySetsTaken++}.json`);
  try {
    const pems = JSON.parse(await readFile(file, 'utf8')) as string[];
    if (pems.length === 4) {
      return pems.map((pem) => {
        const privateKey = createPrivateKey(pem);
        return { privateKey, publicKey: createPublicKey(privateKey) };
      }) as KeyPairs;
    }
  } catch {
    // not made yet (or being written): make it
  }
  const pairs = await generateKeyPairs();
  const pems = pairs.map(({ privateKey }) => privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  // written whole then renamed, so that a reader never sees half a file; a concurrent maker's set may win, this process keeps its own
  const partial = `${file}.${process.pid}.${randomUUID()}`;
  await writeFile(partial, JSON.stringify(pems), { mode: 0o600 });
  await rename(partial, file);
  return pairs;
}

/**
 * A client's public key as registered. Keycloak, the platform's identity service, stores a `kid` of its own (not an
 * RFC 7638 thumbprint) and matches an assertion's `kid` exactly against it; `thumbprint` registers the RFC 7638 one,
 * as servers that look keys up by their thumbprint do.
 */
export function publicJwk(publicKey: KeyObject, use: 'sig', kid: 'keycloak' | 'thumbprint' = 'thumbprint'): JsonWebKeyWithKid {
  const jwk = publicKey.export({ format: 'jwk' });
  return { ...jwk, kty: String(jwk.kty), kid: kid === 'thumbprint' ? thumbprint(jwk) : randomUUID(), use };
}

export interface Directory {
  serviceAccounts: {
    secret: ServiceAccount & { clientSecret: string };
    rsa: ServiceAccount & { keyFile: string; jwk: JsonWebKeyWithKid };
    ec: ServiceAccount & { keyFile: string; jwk: JsonWebKeyWithKid };
    batch: Array<ServiceAccount & { clientSecret: string }>;
    /** Registered for client_secret_post only: refuses client_secret_basic with 401 invalid_client. */
    postOnly: ServiceAccount & { clientSecret: string };
    /** A signed-JWT client of a server that wants the token endpoint as `aud` and the key's RFC 7638 thumbprint as `kid`. */
    thumbprintKid: ServiceAccount & { keyFile: string; jwk: JsonWebKeyWithKid };
    /** Every token request of this client is refused with a bare HTTP 403 and an HTML page (a gateway in front of the issuer). */
    bareRefusal: ServiceAccount & { clientSecret: string };
  };
  /** Every service account, by client id. */
  byClientId: Map<string, ServiceAccount>;
  confidentialSecret: string;
  introspectorSecret: string;
  /** The provider's own ID token signing key (private JWK). */
  signingKey: JsonWebKey & { kid: string };
}

/** Makes this run's secrets and keys (the key pairs from AMPLIFY_TEST_CACHE when set); writes the service accounts' private keys (PKCS#8 PEM) into `dir`. */
export async function createDirectory(dir: string): Promise<Directory> {
  const [rsa, ec, kidKey, signing] = await platformKeyPairs();
  const rsaFile = join(dir, 'sa-rsa.pem');
  const ecFile = join(dir, 'sa-ec.pem');
  const kidFile = join(dir, 'sa-jwt-kid.pem');
  await Promise.all([
    writeFile(rsaFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 }),
    writeFile(ecFile, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 }),
    writeFile(kidFile, kidKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 }),
  ]);
  const signingJwk = signing.privateKey.export({ format: 'jwk' });
  const serviceAccounts: Directory['serviceAccounts'] = {
    secret: { clientId: 'sa-secret', name: 'Service account sa-secret', org: acme, clientSecret: newSecret() },
    rsa: { clientId: 'sa-rsa', name: 'Service account sa-rsa', org: globex, keyFile: rsaFile, jwk: publicJwk(rsa.publicKey, 'sig', 'keycloak') },
    ec: { clientId: 'sa-ec', name: 'Service account sa-ec', org: initech, keyFile: ecFile, jwk: publicJwk(ec.publicKey, 'sig', 'keycloak') },
    batch: Array.from({ length: BATCH_SIZE }, (_, i) => ({
      clientId: `sa-batch-${i + 1}`,
      name: `Service account sa-batch-${i + 1}`,
      org: orgs[i % orgs.length] as Org,
      clientSecret: newSecret(),
    })),
    postOnly: { clientId: 'sa-post', name: 'Service account sa-post', org: acme, clientSecret: newSecret() },
    thumbprintKid: { clientId: 'sa-jwt-kid', name: 'Service account sa-jwt-kid', org: acme, keyFile: kidFile, jwk: publicJwk(kidKey.publicKey, 'sig') },
    bareRefusal: { clientId: 'sa-gateway', name: 'Service account sa-gateway', org: acme, clientSecret: newSecret() },
  };
  const { secret, rsa: rsaSa, ec: ecSa, batch, postOnly, thumbprintKid, bareRefusal } = serviceAccounts;
  const all = [secret, rsaSa, ecSa, ...batch, postOnly, thumbprintKid, bareRefusal];
  return {
    serviceAccounts,
    byClientId: new Map(all.map((sa) => [sa.clientId, sa])),
    confidentialSecret: newSecret(),
    introspectorSecret: newSecret(),
    signingKey: { ...signingJwk, kid: thumbprint(signingJwk), use: 'sig', alg: 'RS256' },
  };
}
