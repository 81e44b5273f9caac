/** predictParallel's worker pool: a module that fails to load in the workers is an error each time, never a hang. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeWorkers, predictParallel } from '@layergen/runtime';
import { tempDir } from '../helpers.js';

test('a module that throws when a worker imports it rejects every call with its error', async () => {
  const file = join(tempDir('parallel'), 'broken.js');
  writeFileSync(file, "throw new Error('broken on purpose');\n");
  const job = {
    module: pathToFileURL(file).href,
    name: 'broken',
    inputs: { x: new Float64Array(8) },
    inputSizes: { x: 1 },
    outputSizes: { y: 1 },
    batch: 8,
    array: Float64Array,
    run: () => ({ y: new Float64Array(8) }),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    // a referenced timer (cleared after): the pool's workers are unreferenced, so with an
    // unreferenced timer the process could end, before the workers report, with the test unfinished
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      predictParallel(job, { workers: 2, minPerWorker: 1 }).then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
      new Promise<string>((r) => (timer = setTimeout(() => r('hung'), 10_000))),
    ]);
    clearTimeout(timer);
    assert.match(settled, /broken on purpose/, `attempt ${attempt}`);
  }
  await closeWorkers();
});

test.run();
