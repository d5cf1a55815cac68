// One ESM bundle for the CLI, the helpers' full path and the library entry, plus the helpers' CommonJS fast tier.
import { createHash } from 'node:crypto';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { rollup } from 'rollup';
import { build, defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };

const OUT = 'dist';
const ENTRIES = {
  amplify: 'src/bin/amplify.ts',
  'git-credential': 'src/bin/git-credential.ts',
  'docker-credential': 'src/bin/docker-credential.ts',
  // What the fast tier hands a call to when it needs more than a read: runCredential, with no side effect on import.
  credential: 'src/bin/credential.ts',
  index: 'src/index.ts',
};
const HELPER_ENTRIES = ['git-credential', 'docker-credential'];

const shared: Options = {
  target: 'node20',
  platform: 'node',
  sourcemap: false,
  define: { __AMPLIFY_VERSION__: JSON.stringify(version) },
  external: ['@napi-rs/keyring'],
  noExternal: [/^(?!@napi-rs\/keyring)/],
};

/** The files loaded before any of `from` runs: they and their static imports, transitively. */
function staticClosure(from: string[], imports: (file: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...from];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    pending.push(...imports(file));
  }
  return seen;
}

/**
 * esbuild splits code shared by several entries into one chunk per set of entries that use it, so a
 * cached `git-credential-amplify get` loaded a dozen chunks, and on Node every ES module costs its own
 * resolve, read, compile and link. This merges everything the helpers load up front into one chunk
 * (the modules stay as esbuild ordered them; only the files change) and leaves the rest of the split
 * alone, so that the OAuth client, the lock and the prompts still load only when they run.
 */
async function mergeHelperChunks(): Promise<void> {
  const entryFile = (name: string): string => resolve(OUT, `${name}.js`);
  const keepApart = new Set(Object.keys(ENTRIES).filter((name) => name !== 'credential').map(entryFile));
  const bundle = await rollup({
    input: Object.fromEntries(Object.keys(ENTRIES).map((name) => [name, entryFile(name)])),
    // Bare specifiers are node builtins and the native keyring: everything else is already in dist/.
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    treeshake: false,
    onwarn(warning, warn) {
      if (warning.code !== 'UNUSED_EXTERNAL_IMPORT') warn(warning);
    },
  });
  let helper: Set<string> | undefined;
  const old = (await readdir(OUT)).filter((name) => name.endsWith('.js'));
  await Promise.all(old.map((name) => rm(join(OUT, name))));
  const { output } = await bundle.write({
    dir: OUT,
    format: 'es',
    manualChunks(id, { getModuleInfo }) {
      helper ??= staticClosure(HELPER_ENTRIES.map(entryFile), (file) => getModuleInfo(file)?.importedIds ?? []);
      return helper.has(id) && !keepApart.has(id) ? 'credential' : undefined;
    },
    entryFileNames: '[name].js',
    // A chunk is named after its first module, which esbuild named with a hash of its own.
    chunkFileNames: (chunk) => `${chunk.name.replace(/-[A-Z0-9]{8}$/, '')}-[hash].js`,
  });
  await bundle.close();
  // The bins run by their hashbang.
  for (const file of output) if (file.type === 'chunk' && file.code.startsWith('#!')) await chmod(join(OUT, file.fileName), 0o755);
}

/** One CommonJS file in dist/, bundled on its own; `node:` specifiers are kept, so that plugins see them. */
const cjsFile = (name: string, entry: string, options: Options): Promise<void> =>
  build({ ...shared, config: false, entry: { [name]: entry }, outDir: OUT, format: ['cjs'], splitting: false, clean: false, dts: false, silent: true, removeNodeProtocol: false, ...options });

/**
 * The fast tier (src/bin/credential-fast.ts): one CommonJS file, in which every lazily imported module of this
 * package is a stand-in that reports the miss, headed by its content hash; then its loader, dist/fast-start.cjs,
 * which hands what the tier cannot answer to the full build.
 */
async function buildFastTier(): Promise<void> {
  const tier = resolve('src/bin/credential-fast.ts');
  await cjsFile('credential-fast', tier, {
    // Synchronous stand-ins for node:fs/promises (src/bin/fast-fs.ts); esbuild fails the build on a name it lacks.
    esbuildOptions(options) {
      options.alias = { 'node:fs/promises': './src/bin/fast-fs.ts', 'fs/promises': './src/bin/fast-fs.ts' };
      // The tier runs without a module loader (see FullBuild in src/bin/credential-fast.ts): its dynamic imports of
      // packages (the native keyring, child_process) become require calls, the others stand-ins (below).
      options.supported = { 'dynamic-import': false };
    },
    esbuildPlugins: [
      {
        name: 'fast-tier-stand-ins',
        setup(esbuild) {
          esbuild.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind !== 'dynamic-import' || args.path === '@napi-rs/keyring') return undefined;
            return { path: args.path, namespace: 'fast-tier-stand-in' };
          });
          esbuild.onLoad({ filter: /.*/, namespace: 'fast-tier-stand-in' }, (args) => ({
            contents: `import { fastTierMiss } from ${JSON.stringify(tier)};\nthrow fastTierMiss(${JSON.stringify(args.path)});\n`,
            loader: 'ts',
            resolveDir: resolve('src/bin'),
          }));
          // A warning here (import.meta in CommonJS, say) is a tier that would misbehave at run time.
          esbuild.onEnd((result) => {
            if (result.warnings.length > 0) throw new Error(`the fast tier built with warnings: ${result.warnings.map((w) => w.text).join('; ')}`);
          });
        },
      },
    ],
  });
  // The content hash that names the tier's code cache (src/bin/fast-start.ts), on the first line.
  const file = join(OUT, 'credential-fast.cjs');
  const code = await readFile(file, 'utf8');
  if (/\bimport\(/.test(code)) throw new Error('the fast tier makes an import() call, which fails there (see FullBuild in src/bin/credential-fast.ts)');
  await writeFile(file, `// amplify-build ${createHash('sha256').update(code).digest('hex')}\n${code}`);
  // What loads the tier: small, and compiled from source every time; its import() calls reach the full build.
  await cjsFile('fast-start', 'src/bin/fast-start.ts', {
    esbuildPlugins: [
      {
        name: 'full-build-external',
        setup(esbuild) {
          esbuild.onResolve({ filter: /^\.\/(credential|amplify)\.js$/ }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
}

export default defineConfig({
  ...shared,
  entry: ENTRIES,
  outDir: OUT,
  format: ['esm'],
  splitting: true,
  clean: true,
  dts: { entry: { index: 'src/index.ts' } },
  // Bundled CommonJS dependencies (proper-lockfile, write-file-atomic) expect require and __filename.
  // The require is made on first use, so chunks that never call it (the helpers' fast path) never pay for it.
  banner: {
    js: "let __amplifyRequire; const require = (id) => (__amplifyRequire ??= process.getBuiltinModule('node:module').createRequire(import.meta.url))(id); const __filename = import.meta.filename;",
  },
  async onSuccess() {
    await mergeHelperChunks();
    await buildFastTier();
  },
});
