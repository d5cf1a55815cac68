// A real npm package for the local platform's registry, built at start: a packument and a .tgz (ustar through gzip).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const DEMO_PACKAGE = '@amplify-local/hello';
export const DEMO_VERSION = '1.0.0';
/** What `require(DEMO_PACKAGE)` gives, so that a test can tell the installed package is the served one. */
export const DEMO_EXPORT = 'hello from the local platform';

export interface NpmPackage {
  name: string;
  version: string;
  tarball: Buffer;
  /** The tarball's path on the registry, under the registry's root. */
  tarballPath: string;
  packument(registry: string): Record<string, unknown>;
}

/** One ustar entry: a 512-byte header (checksum over the header with its own field as spaces), the data padded to 512. */
function tarEntry(name: string, data: Buffer, mode = 0o644): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
  field(0, 100, name);
  field(100, 8, octal(mode, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(data.length, 12));
  field(136, 12, octal(Math.floor(Date.UTC(2026, 0, 1) / 1000), 12));
  header.fill(' ', 148, 156);
  field(156, 1, '0');
  field(257, 6, 'ustar');
  field(263, 2, '00');
  const sum = header.reduce((total, byte) => total + byte, 0);
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding]);
}

export function buildNpmPackage(): NpmPackage {
  const manifest = { name: DEMO_PACKAGE, version: DEMO_VERSION, description: 'served only to a valid bearer token', main: 'index.js', license: 'MIT' };
  const files: Array<[string, string]> = [
    ['package/package.json', `${JSON.stringify(manifest, null, 2)}\n`],
    ['package/index.js', `module.exports = ${JSON.stringify(DEMO_EXPORT)};\n`],
  ];
  const tar = Buffer.concat([...files.map(([name, text]) => tarEntry(name, Buffer.from(text))), Buffer.alloc(1024)]);
  const tarball = gzipSync(tar);
  const base = DEMO_PACKAGE.split('/').pop()!;
  const tarballPath = `${DEMO_PACKAGE}/-/${base}-${DEMO_VERSION}.tgz`;
  const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
  const shasum = createHash('sha1').update(tarball).digest('hex');
  return {
    name: DEMO_PACKAGE,
    version: DEMO_VERSION,
    tarball,
    tarballPath,
    packument: (registry) => ({
      name: DEMO_PACKAGE,
      'dist-tags': { latest: DEMO_VERSION },
      versions: { [DEMO_VERSION]: { ...manifest, _id: `${DEMO_PACKAGE}@${DEMO_VERSION}`, dist: { tarball: `${registry}${tarballPath}`, integrity, shasum } } },
      time: { created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', [DEMO_VERSION]: '2026-01-01T00:00:00.000Z' },
    }),
  };
}
