// One ESM bundle for the CLI, the helpers' fast path and the library entry; the native keyring stays external.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

export default defineConfig({
  entry: {
    amplify: 'src/bin/amplify.ts',
    'git-credential': 'src/bin/git-credential.ts',
    'docker-credential': 'src/bin/docker-credential.ts',
    index: 'src/index.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  clean: true,
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: false,
  define: { __AMPLIFY_VERSION__: JSON.stringify(version) },
  external: ['@napi-rs/keyring'],
  noExternal: [/^(?!@napi-rs\/keyring)/],
  // Bundled CommonJS dependencies (proper-lockfile, write-file-atomic) expect require and __filename.
  banner: {
    js: "import { createRequire as __amplifyCreateRequire } from 'node:module'; import { fileURLToPath as __amplifyFileURLToPath } from 'node:url'; const require = __amplifyCreateRequire(import.meta.url); const __filename = __amplifyFileURLToPath(import.meta.url);",
  },
});
