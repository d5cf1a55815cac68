// A tiny but valid Docker schema2 image (one gzipped tar layer, a config blob, a manifest) built in memory.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const CONFIG_TYPE = 'application/vnd.docker.container.image.v1+json';
const LAYER_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export interface Image {
  manifest: Buffer;
  manifestDigest: string;
  /** Blobs (config and layer) by digest. */
  blobs: Map<string, Buffer>;
}

const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A ustar archive holding a single regular file. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(content.length, 12), 124, 'ascii');
  header.write(octal(1_700_000_000, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

export function buildImage(): Image {
  const tar = tarOf('hello.txt', Buffer.from('Hello from the amplify-auth local platform.\n'));
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['/bin/true'], Labels: { 'org.opencontainers.image.title': 'demo' } },
      rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'amplify-auth local platform' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: CONFIG_TYPE, size: config.length, digest: digestOf(config) },
      layers: [{ mediaType: LAYER_TYPE, size: layer.length, digest: digestOf(layer) }],
    }),
  );
  return {
    manifest,
    manifestDigest: digestOf(manifest),
    blobs: new Map([
      [digestOf(config), config],
      [digestOf(layer), layer],
    ]),
  };
}
