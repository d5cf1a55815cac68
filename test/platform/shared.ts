// The one platform test/run.mjs starts for the suites that share it (sharedPlatform()): prints its origin, runs until stdin closes.
import { startPlatform } from './index.js';

async function main(): Promise<void> {
  const platform = await startPlatform({ quiet: true });
  process.stdout.write(`${platform.origin}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => void platform.close().then(() => process.exit(0)));
}

void main();
