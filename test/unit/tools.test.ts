// The tool table (src/tools/index.ts) against what ships: package.json's bin and helpers/, so that a tool added to
// one and forgotten in another fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXECUTABLES, HELPER_TOOLS, route } from '../../src/bin/entries.js';
import { TOOLS } from '../../src/tools/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const bin = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
const helpers = readdirSync(join(ROOT, 'helpers')).filter((name) => name !== 'package.json');

describe('the tool table and what ships', () => {
  it('every executable (the table\'s and amplify) has its helpers/ file and its package.json bin, and nothing else does', () => {
    const executables = ['amplify', ...TOOLS.flatMap((tool) => ('executable' in tool ? [tool.executable] : []))].sort();
    assert.deepEqual(Object.keys(bin).sort(), executables, 'package.json bin');
    assert.deepEqual([...helpers].sort(), executables, 'helpers/');
    for (const name of executables) {
      assert.equal(bin[name], `helpers/${name}`, `package.json bin ${name}`);
      assert.ok((statSync(join(ROOT, 'helpers', name)).mode & 0o111) !== 0, `helpers/${name} is executable`);
      assert.match(readFileSync(join(ROOT, 'helpers', name), 'utf8'), new RegExp(`\\.start\\('${name}', `), `helpers/${name} starts as itself`);
    }
    assert.deepEqual(Object.keys(EXECUTABLES).sort(), executables, 'EXECUTABLES (src/bin/entries.ts)');
  });

  it('an executable speaks for a tool with a protocol of its own, and reaches it', () => {
    for (const tool of TOOLS) {
      if (!('executable' in tool)) continue;
      assert.ok('credential' in tool, `${tool.name} has an executable but no credential protocol`);
      assert.deepEqual(route(tool.executable, ['get']), { entry: tool.name, args: ['get'] });
    }
  });

  it('names are unique, and every protocol is `amplify credential <tool>`', () => {
    assert.equal(new Set(TOOLS.map((t) => t.name)).size, TOOLS.length);
    assert.deepEqual([...HELPER_TOOLS], TOOLS.filter((t) => 'credential' in t).map((t) => t.name));
  });

  it('every tool\'s setup loads, from its own module, and has its four parts', async () => {
    for (const tool of TOOLS) {
      const setup = await tool.setup.load();
      for (const part of ['bindingHosts', 'configure', 'unconfigure', 'check'] as const) assert.equal(typeof setup[part], 'function', `${tool.name} setup.${part}`);
      const module = (await import(`../../src/tools/${tool.name}.js`)) as Record<string, unknown>;
      assert.equal(module[`${tool.name}Setup`], setup, `${tool.name}'s setup is src/tools/${tool.name}.ts's ${tool.name}Setup`);
      assert.equal(module[tool.name], tool, `${tool.name}'s entry is src/tools/${tool.name}.ts's ${tool.name}`);
    }
  });
});

describe('a tool is one file, and each program gets the part of it that it runs', () => {
  const dist = (name: string) => readFileSync(join(ROOT, 'dist', name), 'utf8');

  it('no tool keeps code elsewhere: src/credential and src/setup hold only what all tools share', () => {
    for (const dir of ['credential', 'setup']) {
      const owned = readdirSync(join(ROOT, 'src', dir)).filter((file) => TOOLS.some((tool) => file === `${tool.name}.ts`));
      assert.deepEqual(owned, [], `src/${dir}/ holds a tool's own code`);
    }
  });

  it('the loader holds the table as data, with none of the tools\' code', () => {
    const launcher = dist('fast-start.cjs');
    assert.doesNotMatch(launcher, /^\/\/ src\/tools\//m, 'dist/fast-start.cjs bundles a tool module');
    for (const tool of TOOLS) assert.ok(launcher.includes(JSON.stringify(tool.name)), `dist/fast-start.cjs routes ${tool.name}`);
  });

  // That they carry no tool's setup is the build's to refuse (checkNoSetup in tsup.config.ts).
  it('both helpers\' tiers answer for every tool', () => {
    for (const tier of ['credential-fast.cjs', 'credential-full.cjs']) {
      const code = dist(tier);
      for (const tool of TOOLS) assert.match(code, new RegExp(`^// src/tools/${tool.name}\\.ts$`, 'm'), `dist/${tier} has ${tool.name}'s entry`);
    }
  });
});
