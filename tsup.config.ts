// One ESM bundle for the CLI and the library entry, plus the helpers' CommonJS tiers (fast, full) and their loader.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { build, defineConfig, type Options } from 'tsup';
import { FAST_TIER_REQUIRES } from './src/bin/entries.js';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };

const OUT = 'dist';
const ENTRIES = {
  amplify: 'src/bin/amplify.ts',
  index: 'src/index.ts',
  // The command tree under a fixed name: dist/amplify.js imports it, and the tests run commands through it in-process (test/support/cli.ts runCli).
  cli: 'src/cli.ts',
};

const shared: Options = {
  target: 'node20',
  platform: 'node',
  sourcemap: false,
  define: { __AMPLIFY_VERSION__: JSON.stringify(version) },
  external: ['@napi-rs/keyring'],
  noExternal: [/^(?!@napi-rs\/keyring)/],
};

/** The `debug` package (under the proxy agents) silenced in every bundle: see src/net/silent-debug.ts. */
const silentDebug = (options: { alias?: Record<string, string> }): void => {
  options.alias = { ...options.alias, debug: './src/net/silent-debug.ts' };
};

/** One CommonJS file in dist/, bundled on its own; `node:` specifiers are kept, so that plugins see them. */
const cjsFile = (name: string, entry: string, options: Options): Promise<void> =>
  build({ ...shared, config: false, entry: { [name]: entry }, outDir: OUT, format: ['cjs'], splitting: false, clean: false, dts: false, silent: true, removeNodeProtocol: false, ...options });

/** A warning (import.meta in CommonJS, say) is a tier that would misbehave at run time: the build fails instead. */
const noWarnings = (what: string): EsbuildPlugin => ({
  name: 'no-warnings',
  setup(esbuild) {
    esbuild.onEnd((result) => {
      if (result.warnings.length > 0) throw new Error(`${what} built with warnings: ${result.warnings.map((w) => w.text).join('; ')}`);
    });
  },
});

/**
 * Heads a tier run through vm.Script (src/bin/fast-start.ts) with the content hash that names its code cache. Such a
 * script has no module loader on Node 20, so an import() left in it would fail: the build refuses one.
 */
async function headWithHash(file: string): Promise<void> {
  const code = await readFile(file, 'utf8');
  if (/\bimport\(/.test(code)) throw new Error(`${file} makes an import() call, which fails when run from a code cache (see FullBuild in src/bin/credential-fast.ts)`);
  await writeFile(file, `// amplify-build ${createHash('sha256').update(code).digest('hex')}\n${code}`);
}

/**
 * node:fs calls that change files. The fast tier's node:fs/promises is src/bin/fast-fs.ts, whose writes are misses
 * (and node:fs/promises itself is not in FAST_TIER_REQUIRES); what is left to check is node:fs's synchronous writes,
 * and its callback ones through a module object (`fs.writeFile(`).
 */
const FS_WRITES = /\b(?:writeFile|appendFile|rename|rm|rmdir|mkdir|unlink|chmod|chown|copyFile|symlink|link|truncate|utimes|mkdtemp|cp)Sync\b|\.(?:writeFile|appendFile|rename|rm|rmdir|mkdir|unlink|chmod|chown|copyFile|symlink|truncate|mkdtemp|cp)\)?\(/;

/**
 * What the fast tier rests on, checked on what the build wrote: it loads nothing but what src/bin/entries.ts allows
 * (FAST_TIER_REQUIRES), and it changes no file before it hands a call over, as it calls no node:fs write at all.
 */
async function checkFastTier(file: string): Promise<void> {
  const code = await readFile(file, 'utf8');
  const loads = [...code.matchAll(/\b(?:require|getBuiltinModule)\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!);
  const dynamic = code.match(/\b(?:require|getBuiltinModule)\(\s*[^"'`\s)]/);
  if (dynamic) throw new Error(`${file} loads a module whose name is computed (${dynamic[0]}…): the fast tier may load only FAST_TIER_REQUIRES (src/bin/entries.ts)`);
  const foreign = [...new Set(loads.filter((name) => !FAST_TIER_REQUIRES.includes(name)))];
  if (foreign.length > 0) throw new Error(`${file} loads ${foreign.join(', ')}, which the fast tier may not (FAST_TIER_REQUIRES in src/bin/entries.ts)`);
  const write = FS_WRITES.exec(code);
  if (write) throw new Error(`${file} calls ${write[0]}…: the fast tier writes no file (src/bin/fast-fs.ts); the full build does`);
}

/** The token stores' modules (src/store/tokens/table.ts and the backends it lists). */
const TOKEN_STORES_DIR = resolve('src/store/tokens');
const inTokenStores = (file: string): boolean => file.startsWith(TOKEN_STORES_DIR + sep);

/**
 * The fast tier answers a cached call from every store only while no store module is a stand-in: a store imported
 * lazily (or a store that lazily imports what its read needs) would hand every cached call with it to the full
 * build, slowly and silently. The build fails instead.
 */
function refuseLazyTokenStore(path: string, importer: string, resolveDir: string): void {
  const target = resolve(resolveDir, path);
  if (!inTokenStores(target) && !inTokenStores(importer)) return;
  throw new Error(
    `${relative('.', importer)} imports ${path} lazily (import()): in the fast tier that is a stand-in, so every cached call with that token store would go to the full build. Import token stores, and what they need, statically (src/store/tokens/table.ts).`,
  );
}

/**
 * The tool table (src/tools/<tool>.ts) loads each tool's halves by import(): its answer (src/credential/<tool>.ts),
 * which both helpers' tiers bundle, and its setup (src/setup/<tool>.ts), which no helper call runs, so neither tier
 * carries it (nor the loader, dist/fast-start.cjs, which reads the table for the tools' names only).
 */
const fromToolTable = (args: { importer: string }): boolean => args.importer.startsWith(resolve('src/tools'));
const isAnswerHalf = (args: { importer: string; path: string }): boolean => fromToolTable(args) && args.path.startsWith('../credential/');
const isSetupHalf = (args: { importer: string; path: string }): boolean => fromToolTable(args) && args.path.startsWith('../setup/');

/** Modules in `namespace` are stand-ins that report the miss (src/bin/fast-miss.ts) and throw. */
function standIn(esbuild: Parameters<EsbuildPlugin['setup']>[0], namespace: string): void {
  esbuild.onLoad({ filter: /.*/, namespace }, (args) => ({
    contents: `import { fastTierMiss } from ${JSON.stringify(resolve('src/bin/fast-miss.ts'))};\nthrow fastTierMiss(${JSON.stringify(args.path)});\n`,
    loader: 'ts',
    resolveDir: resolve('src/bin'),
  }));
}

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
            if (args.kind !== 'dynamic-import' || args.path === '@napi-rs/keyring' || isAnswerHalf(args)) return undefined;
            refuseLazyTokenStore(args.path, args.importer, args.resolveDir);
            return { path: args.path, namespace: 'fast-tier-stand-in' };
          });
          standIn(esbuild, 'fast-tier-stand-in');
        },
      },
      noWarnings('the fast tier'),
    ],
  });
  await checkFastTier(join(OUT, 'credential-fast.cjs'));
  await headWithHash(join(OUT, 'credential-fast.cjs'));
  // What the tier hands a helper call to when it needs more than a read (a refresh, a store, an erase): the helpers'
  // whole code (src/bin/credential.ts) as one CommonJS file, every dynamic import bundled, loaded the same way.
  await cjsFile('credential-full', 'src/bin/credential.ts', {
    esbuildOptions(options) {
      options.supported = { 'dynamic-import': false };
      silentDebug(options);
    },
    esbuildPlugins: [
      {
        name: 'no-setup-in-the-full-tier',
        setup(esbuild) {
          esbuild.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' && isSetupHalf(args) ? { path: args.path, namespace: 'full-tier-stand-in' } : undefined));
          standIn(esbuild, 'full-tier-stand-in');
        },
      },
      noWarnings('the helpers\' full tier'),
    ],
  });
  await headWithHash(join(OUT, 'credential-full.cjs'));
  // What loads both: small, and compiled from source every time; its import() reaches the ES module CLI.
  await cjsFile('fast-start', 'src/bin/fast-start.ts', {
    esbuildPlugins: [
      {
        name: 'full-build-external',
        setup(esbuild) {
          esbuild.onResolve({ filter: /^\.\/amplify\.js$/ }, (args) => ({ path: args.path, external: true }));
          // The tool table's halves (see fromToolTable): the loader reads only the tools' names, never loads a half.
          esbuild.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' && fromToolTable(args) ? { path: args.path, external: true } : undefined));
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
  esbuildOptions: silentDebug,
  // Bundled CommonJS dependencies (the proxy agents, parts of the OAuth and prompt stacks) expect require and __filename.
  // The require is made on first use, so chunks that never call it never pay for it.
  banner: {
    js: "let __amplifyRequire; const require = (id) => (__amplifyRequire ??= process.getBuiltinModule('node:module').createRequire(import.meta.url))(id); const __filename = import.meta.filename;",
  },
  async onSuccess() {
    await buildFastTier();
  },
});
