// The floors (STYLE.md): the grants talk to the issuer and to a Person handed down from above; they prompt and write nothing themselves.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const FLOWS = new URL('../../src/flows/', import.meta.url);
const ABOVE = ['../prompts.js', '../commands/', '../credential/', '../setup/', '../tools/', '../cli.js', '@inquirer/', 'clipanion'];

describe('src/flows stays below the UI', () => {
  for (const name of readdirSync(FLOWS).filter((file) => file.endsWith('.ts'))) {
    it(name, () => {
      const source = readFileSync(new URL(name, FLOWS), 'utf8');
      const imports = [...source.matchAll(/\bfrom '([^']+)'|\bimport\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]!);
      assert.deepEqual(imports.filter((spec) => ABOVE.some((above) => spec.startsWith(above))), [], `${name} imports from above the flows`);
      assert.doesNotMatch(source, /\.(stderr|stdout)\b|\bconsole\./, `${name} writes to the terminal itself`);
    });
  }
});
