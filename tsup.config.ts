// One ESM bundle for the CLI and the library entry, plus the helpers' CommonJS tiers (fast, full) and their loader.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { build, defineConfig, type Options } from 'tsup';
import { FAST_TIER_REQUIRES } from './src/bin/entries.js';
import { TOOLS } from './src/tools/index.js';
import type { ToolEntry } from './src/tools/types.js';

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

/**
 * A warning is a tier that would misbehave at run time: the build fails instead. All but one: esbuild warns of
 * import.meta in CommonJS for every module of ours it reads, and a tool's setup code (src/setup/paths.ts) is read
 * and then dropped from the tiers (isOwnSetup). Those modules are noted, and noImportMeta fails the build where one
 * of them was kept.
 */
const IMPORT_META_WARNING = /"import\.meta" is not available with the "cjs" output format/;
const importMetaReaders = new Set<string>();
const noWarnings = (what: string): EsbuildPlugin => ({
  name: 'no-warnings',
  setup(esbuild) {
    esbuild.onEnd((result) => {
      const warnings = result.warnings.filter((w) => {
        if (!IMPORT_META_WARNING.test(w.text) || !w.location) return true;
        importMetaReaders.add(w.location.file);
        return false;
      });
      if (warnings.length > 0) throw new Error(`${what} built with warnings: ${warnings.map((w) => w.text).join('; ')}`);
    });
  },
});

/** esbuild heads each module's code in a bundle with a comment naming it: none of the import.meta readers may be there. */
async function noImportMeta(file: string): Promise<void> {
  const code = await readFile(file, 'utf8');
  const kept = [...importMetaReaders].filter((module) => code.includes(`\n// ${module}\n`));
  if (kept.length > 0) throw new Error(`${file} keeps ${kept.join(', ')}, whose import.meta is empty in CommonJS`);
}

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
 * A tool's module (src/tools/<tool>.ts) loads its own setup code by import() of itself (ToolSetup's load). In the
 * helpers' tiers that import is a stand-in, so their bundles keep only the entry and the answer: no helper call runs a
 * setup. checkNoSetup holds the built tiers to it.
 */
const TOOLS_DIR = resolve('src/tools');
const isOwnSetup = (args: { importer: string; path: string; resolveDir: string }): boolean =>
  args.importer.startsWith(TOOLS_DIR + sep) && resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts') === args.importer;

async function checkNoSetup(file: string): Promise<void> {
  const code = await readFile(file, 'utf8');
  const carried = TOOLS.filter((tool) => new RegExp(`\\b${tool.name}Setup\\d*\\s*=`).test(code)).map((tool) => tool.name);
  if (carried.length > 0) throw new Error(`${file} carries the setup code of ${carried.join(', ')}: a helper tier must not (see isOwnSetup in tsup.config.ts)`);
}

/**
 * What the loader (dist/fast-start.cjs, compiled from source on every call) knows of the tool table: the entries'
 * data that src/bin/entries.ts routes by, read from the table here, so that no tool's code is in it.
 */
const launcherTools = (): string =>
  // JSON leaves out what a tool does not have (undefined), as its entry does.
  `export const TOOLS = ${JSON.stringify(
    TOOLS.map((tool: ToolEntry) => ({
      name: tool.name,
      executable: tool.executable,
      credential: tool.credential && { args: tool.credential.args, optionLine: tool.credential.optionLine },
    })),
  )};\n`;

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
            if (args.kind !== 'dynamic-import' || args.path === '@napi-rs/keyring') return undefined;
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
  await checkNoSetup(join(OUT, 'credential-fast.cjs'));
  await noImportMeta(join(OUT, 'credential-fast.cjs'));
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
          esbuild.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' && isOwnSetup(args) ? { path: args.path, namespace: 'full-tier-stand-in' } : undefined));
          standIn(esbuild, 'full-tier-stand-in');
        },
      },
      noWarnings('the helpers\' full tier'),
    ],
  });
  await checkNoSetup(join(OUT, 'credential-full.cjs'));
  await noImportMeta(join(OUT, 'credential-full.cjs'));
  await headWithHash(join(OUT, 'credential-full.cjs'));
  // What loads both: small, and compiled from source every time; its import() reaches the ES module CLI.
  await cjsFile('fast-start', 'src/bin/fast-start.ts', {
    esbuildPlugins: [
      {
        name: 'full-build-external',
        setup(esbuild) {
          esbuild.onResolve({ filter: /^\.\/amplify\.js$/ }, (args) => ({ path: args.path, external: true }));
          // The tool table as data (launcherTools): the loader routes by the tools' names and arguments, and runs none.
          esbuild.onResolve({ filter: /\/tools\/index\.js$/ }, () => ({ path: 'tool-table', namespace: 'launcher-tools' }));
          esbuild.onLoad({ filter: /.*/, namespace: 'launcher-tools' }, () => ({ contents: launcherTools(), loader: 'js' }));
        },
      },
    ],
  });
}

/**
 * In the ES module CLI, a tool module's import() of itself (isOwnSetup) would make it a chunk of its own, which
 * imports the table's chunk that imports it: a cycle between chunks, where one runs before the other has defined its
 * entry. The import goes to a module that re-exports the tool's instead, so the tool stays with the table.
 */
const ownSetupReexport: EsbuildPlugin = {
  name: 'own-setup-reexport',
  setup(esbuild) {
    esbuild.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' && isOwnSetup(args) ? { path: args.importer, namespace: 'own-setup' } : undefined));
    esbuild.onLoad({ filter: /.*/, namespace: 'own-setup' }, (args) => ({ contents: `export * from ${JSON.stringify(args.path)};\n`, loader: 'ts', resolveDir: TOOLS_DIR }));
  },
};

export default defineConfig({
  ...shared,
  entry: ENTRIES,
  outDir: OUT,
  format: ['esm'],
  splitting: true,
  clean: true,
  dts: { entry: { index: 'src/index.ts' } },
  esbuildOptions: silentDebug,
  esbuildPlugins: [ownSetupReexport],
  // Bundled CommonJS dependencies (the proxy agents, parts of the OAuth and prompt stacks) expect require and __filename.
  // The require is made on first use, so chunks that never call it never pay for it.
  banner: {
    js: "let __amplifyRequire; const require = (id) => (__amplifyRequire ??= process.getBuiltinModule('node:module').createRequire(import.meta.url))(id); const __filename = import.meta.filename;",
  },
  async onSuccess() {
    await buildFastTier();
  },
});
