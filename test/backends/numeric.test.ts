/** Numeric modules against the PyTorch fixtures: float64 to 1e-9 relative, float32 to 1e-6. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileAndImport, example, fixtureNames, loadFixture, mismatch, perFamily } from '../helpers.js';

type Out = Record<string, Float64Array | Float32Array>;
interface NumericModule {
  predict(inputs: Record<string, unknown>): Out;
  predictBatch(inputs: Record<string, unknown>, batch: number): Out;
  inputShapes: Record<string, readonly number[]>;
  outputShapes: Record<string, readonly number[]>;
  precision: string;
}

const TOL = { float64: 1e-9, float32: 1e-6 } as const;
// float32: absolute for |ref| < 1 (float32 rounding of sums is absolute-scale), relative above.
const FLOOR = { float64: 1e-300, float32: 1 } as const;

// float64 .js for every fixture; float32 and .ts (the same loops, another flavour or printer)
// on one fixture per layer family, every fixture under LAYERGEN_TEST_FULL=1.
const SAMPLE = perFamily(fixtureNames(), ['mlp', 'multi_output', 'lstm']);
for (const name of fixtureNames()) {
  for (const precision of ['float64', 'float32'] as const) {
    for (const lang of ['js', 'ts'] as const) {
      if ((precision === 'float32' || lang === 'ts') && !SAMPLE.has(name)) continue;
      if (lang === 'ts' && name === 'mlp_784') continue; // same code path; spare the transpile time
      test(`${name}: numeric ${precision} (${lang}) matches PyTorch`, async () => {
        const fx = loadFixture(name);
        const m = await compileAndImport<NumericModule>(fx.net, 'numeric', { precision, lang });
        assert.equal(m.precision, precision);
        assert.equal(m.inputShapes, fx.inputs);
        assert.equal(m.outputShapes, fx.outputs);
        for (const c of fx.cases) {
          const want = c[precision];
          const got = m.predictBatch(c.inputs, c.batch);
          assert.equal(Object.keys(got), Object.keys(fx.outputs), 'output names in order');
          for (const [o, ref] of Object.entries(want)) {
            assert.ok(got[o] instanceof (precision === 'float32' ? Float32Array : Float64Array), 'typed array of the precision');
            const bad = mismatch(got[o]!, ref, TOL[precision], FLOOR[precision], `batch ${c.batch} output ${o}`);
            assert.is(bad, null);
          }
          const one = m.predict(Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, example(v, c.batch, 0)])));
          for (const [o, ref] of Object.entries(want)) {
            assert.is(mismatch(one[o]!, example(ref, c.batch, 0), TOL[precision], FLOOR[precision], `predict ${o}`), null);
          }
        }
      });
    }
  }
}

test('numeric: nested inputs, typed arrays and clear errors for bad inputs', async () => {
  const m = await compileAndImport<NumericModule>('test/fixtures/nets/linear_rank2.yaml', 'numeric');
  const flat = Array.from({ length: 20 }, (_, i) => i / 10);
  const nested = [0, 1, 2, 3].map((r) => flat.slice(r * 5, r * 5 + 5));
  const a = m.predict({ x: flat });
  const b = m.predict({ x: nested });
  const c = m.predict({ x: Float64Array.from(flat) });
  const d = m.predictBatch({ x: [nested, nested] }, 2);
  const key = Object.keys(a)[0]!;
  assert.equal(Array.from(b[key]!), Array.from(a[key]!));
  assert.equal(Array.from(c[key]!), Array.from(a[key]!));
  assert.equal(Array.from(d[key]!), [...a[key]!, ...a[key]!]);
  assert.throws(() => m.predict({ x: flat.slice(1) }), /input "x": expected 20 values \(shape \[4, 5\]\), got 19/);
  assert.throws(() => m.predict({ x: [[1, 2]] }), /input "x": expected shape \[4, 5\]/);
  assert.throws(() => m.predict({ y: flat }), /unknown input "y"/);
  assert.throws(() => m.predict({}), /missing input "x"/);
  assert.throws(() => m.predict({ x: flat.map(() => 'a') }), /not a valid value/);
  assert.throws(() => m.predictBatch({ x: flat }, -1), /batch must be a non-negative integer/);
});

test.run();
