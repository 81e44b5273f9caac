/** prelu: one slope, one per channel (axis 0) or one per element (Keras' default), against direct loops; the error names the choices. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorOf, near, oneLayer, prod, randoms, run } from './support.js';

const ref = (x: readonly number[], w: readonly number[], slopeOf: (i: number) => number): number[] => x.map((v, i) => (v > 0 ? v : w[slopeOf(i)]! * v));

test('prelu: one slope, per channel, per element', () => {
  const shape = [3, 4];
  const x = randoms(prod(shape), 3);
  for (const [n, slopeOf] of [[1, () => 0], [3, (i: number) => Math.floor(i / 4)], [12, (i: number) => i]] as const) {
    const w = randoms(n, 10 + n).map((v) => 1.5 * v);
    const rows = n === 12 ? `[${[0, 1, 2].map((r) => `[${w.slice(4 * r, 4 * r + 4).join(', ')}]`).join(', ')}]` : `[${w.join(', ')}]`;
    const net = oneLayer(`[${shape.join(', ')}]`, `type: prelu\nnum_parameters: ${n}\nparams:\n  weight: ${rows}`);
    const { y, params } = run(net, x);
    assert.equal(params.weight!.shape, n === 12 ? shape : [n], `weight shape for num_parameters ${n}`);
    near(y, ref(x, w, slopeOf), `num_parameters ${n}`);
  }
});

test('prelu: num_parameters that is neither 1, the channels nor the elements is an error', () => {
  assert.match(errorOf(oneLayer('[3, 4]', 'type: prelu\nnum_parameters: 4')), /num_parameters 4 must be 1, the number of channels \(axis 0 of \[3, 4\]: 3\) or of elements \(12\)/);
});

test.run();
