// The test files of test/run.mjs, run by node's test runner in the order given (`node --test` sorts them by name):
// `node --import tsx test/run-files.mjs <files...>`. Spec output and summary as `node --test` prints them; exit 1 on a failure.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const files = process.argv.slice(2);
// test/run.mjs sets AMPLIFY_TEST_CONCURRENCY (9 unless given); run on its own, two files at a time.
const concurrency = Number(process.env.AMPLIFY_TEST_CONCURRENCY) || 2;
const stream = run({ files, concurrency, timeout: 240_000 });
stream.on('test:fail', (data) => {
  if (!data.todo) process.exitCode = 1;
});
stream.compose(new spec()).pipe(process.stdout);
