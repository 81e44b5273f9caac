/**
 * WebAssembly elementwise kernels (compiler/backends/numeric/wasmMap.ts) against what the numeric
 * module's JS loops compute, bit for bit: every primitive of ir/prims.ts in float64 and float32
 * (the exp, tanh and sigmoid helpers against the runtime's expNum, tanhNum and sigmoidNum, on the
 * edges of each of their branches and at random points over their whole range), then formulas with
 * parameters of both element types, affine indices, several rows and `where`; formulas outside
 * what maps compute are refused; a module with more maps than fit in 4 KiB keeps the first ones.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelHeap, kernelInstance, type MapKernel } from '@layergen/runtime';
import type { F } from '../../compiler/ir/formula.js';
import { PRIMS, type PrimName } from '../../compiler/ir/prims.js';
import { compileMap, MapRegistry, wasmModule, TABLE_BYTES, type MapSpec } from '../../compiler/backends/numeric/wasmMap.js';

const PAGE = 65536;
const TABLE_AT = 15 * PAGE;
const x = (slot: number, d = 0, c = 1): F => ({ k: 'input', slot, at: [c === 1 && d === 0 ? { k: 'var', name: 'i0' } : { k: 'add', a: { k: 'scale', a: { k: 'var', name: 'i0' }, c }, b: { k: 'lit', v: d } }] });
const prim = (op: PrimName, ...args: F[]): F => ({ k: 'prim', op, args });

/** Values on the edges of every branch of expNum, tanhNum and sigmoidNum, and around them. */
function edges(): number[] {
  const out = [0, -0, NaN, Infinity, -Infinity, 1e-300, -1e-300, 5e-324, -5e-324, 1, -1, 0.5, -0.5];
  for (const e of [-708, 709, -700, 0.55, -0.55, 1e-8, -1e-8, 354.5, -354, 20, -20, 44.5, 88.7, -87.3, -103.9]) {
    let v = e;
    for (let i = 0; i < 3; i++) v = nextDown(v);
    for (let i = 0; i < 7; i++, v = nextUp(v)) out.push(v);
  }
  // x * 64 / ln 2 exactly half-way between integers (Math.round's ties), and near it
  const ln2_64 = Math.LN2 / 64;
  for (const t of [0.5, -0.5, 1.5, -2.5, 100.5, -1000.5, 64.5]) for (const d of [-1, 0, 1]) out.push(t * ln2_64 * (1 + d * 2 ** -52));
  return out;
}

function nextUp(v: number): number {
  if (Number.isNaN(v) || v === Infinity) return v;
  if (v === 0) return 5e-324;
  const b = new Float64Array([v]);
  const i = new BigInt64Array(b.buffer);
  i[0] = i[0]! + (v > 0 ? 1n : -1n);
  return b[0]!;
}
const nextDown = (v: number): number => -nextUp(-v);

function points(f32: boolean): number[] {
  let s = 12345;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const out = edges();
  for (let i = 0; i < 3000; i++) out.push((rnd() - 0.5) * 2 ** (rnd() * 24 - 12));
  for (let i = 0; i < 1000; i++) out.push((rnd() - 0.5) * 1600);
  return f32 ? out.map(Math.fround) : out;
}

/** Fills views of the heap in place (typed-array map would copy) with float32 values in [-4, 4), from `seed`. */
function filler(seed: number): <T extends Float32Array | Float64Array>(a: T) => T {
  let s = seed;
  return (a) => {
    for (let i = 0; i < a.length; i++) a[i] = Math.fround(((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 8 - 4);
    return a;
  };
}

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

interface Run {
  readonly heap: ReturnType<typeof kernelHeap>;
  readonly fn: MapKernel;
}

function build(spec: MapSpec): Run {
  const m = compileMap(spec);
  if (!m) throw new Error('did not compile');
  const heap = kernelHeap(16);
  const k = kernelInstance<never, 'map_0'>(wasmModule([], [m], TABLE_AT), heap);
  assert.type(k.map_0, 'function');
  return { heap, fn: k.map_0! };
}

for (const precision of ['float64', 'float32'] as const) {
  const f32 = precision === 'float32';
  const Arr = f32 ? Float32Array : Float64Array;
  const r = f32 ? Math.fround : (v: number): number => v;
  test(`${precision}: every primitive equals its JS meaning bit for bit (helpers on each branch edge and at random)`, () => {
    const xs = points(f32);
    const n = xs.length;
    const B = Arr.BYTES_PER_ELEMENT;
    let checked = 0;
    for (const op of Object.keys(PRIMS) as PrimName[]) {
      const p = PRIMS[op];
      const args = [x(0), x(1), x(2)].slice(0, p.arity);
      const spec: MapSpec = {
        formula: prim(op, ...args),
        v: 'i0',
        n,
        precision,
        inputs: new Map(args.map((_, s) => [s, { shape: [n], rowStride: n }])),
        params: {},
      };
      const { heap, fn } = build(spec);
      const ins = args.map((_, s) => new Arr(heap.buffer, s * n * B, n));
      // second and third operands: the points in another order
      ins.forEach((a, s) => a.set(xs.map((_, i) => xs[(i * (2 * s + 1) + s * 7) % n]!)));
      const y = new Arr(heap.buffer, 3 * n * B, n);
      fn(1, y.byteOffset, ...ins.map((a) => a.byteOffset));
      const num = p.num as (...a: number[]) => number;
      for (let i = 0; i < n; i++) {
        const want = r(num(...ins.map((a) => a[i]!)));
        if (!same(y[i]!, want)) assert.unreachable(`${op}(${ins.map((a) => a[i]).join(', ')}): wasm ${y[i]}, JS ${want}`);
        checked++;
      }
    }
    assert.ok(checked >= 18 * 4000);
  });

  test(`${precision}: parameters (float32 and float64 arrays), affine indices, rows with strides, where`, () => {
    const n = 37, rows = 3, rowStride = 2 * n + 5;
    // y[r, j] = where(x[r, 2j + 1] - b[j], sigmoid(x[r, 2j] * w[j + 3]) + v[j], tanh(-x[r, 2j + 1]))
    const formula = prim(
      'where',
      prim('sub', x(0, 1, 2), { k: 'param', name: 'b', at: [{ k: 'var', name: 'i0' }] }),
      prim('add', prim('sigmoid', prim('mul', x(0, 0, 2), { k: 'param', name: 'w', at: [{ k: 'add', a: { k: 'var', name: 'i0' }, b: { k: 'lit', v: 3 } }] })), { k: 'param', name: 'v', at: [{ k: 'lit', v: 0 }, { k: 'var', name: 'i0' }] }),
      prim('tanh', prim('neg', x(0, 1, 2))),
    );
    const params = { b: { elem: 'f32', shape: [n] }, w: { elem: 'f32', shape: [n + 3] }, v: { elem: f32 ? 'f32' : 'f64', shape: [1, n] } } as const;
    const { heap, fn } = build({ formula, v: 'i0', n, precision, inputs: new Map([[0, { shape: [2 * n], rowStride }]]), params });
    const B = Arr.BYTES_PER_ELEMENT;
    const filled = filler(99);
    const X = filled(new Arr(heap.buffer, 0, rows * rowStride));
    const Y = new Arr(heap.buffer, 8192, rows * n);
    const b = filled(new Float32Array(heap.buffer, 16384, n));
    const w = filled(new Float32Array(heap.buffer, 20480, n + 3));
    const v = filled(new Arr(heap.buffer, 24576, n));
    fn(rows, Y.byteOffset, X.byteOffset, b.byteOffset, v.byteOffset, w.byteOffset);
    for (let row = 0; row < rows; row++) {
      for (let j = 0; j < n; j++) {
        const xa = X[row * rowStride + 2 * j]!, xb = X[row * rowStride + 2 * j + 1]!;
        const want = r(r(xb - b[j]!) > 0 ? r(r(PRIMS.sigmoid.num(r(xa * w[j + 3]!))) + v[j]!) : r(PRIMS.tanh.num(r(-xb))));
        if (!same(Y[row * n + j]!, want)) assert.unreachable(`row ${row}, ${j}: wasm ${Y[row * n + j]}, JS ${want}`);
      }
    }
  });
  test(`${precision}: lane-wise formulas run in ${f32 ? 'f32x4' : 'f64x2'} lanes, then the rest one by one, bit for bit the scalar loop`, () => {
    const n = 39, rows = 3, rowStride = n + 6;
    // y[r, j] = where(x[r, j] - b[j], max(x[r, j] * w[j + 3], v[0, j]), -x[r, j] / s[0] + sqrt(|x[r, j]|)) - 0.25
    const xj = x(0);
    const formula = prim(
      'sub',
      prim(
        'where',
        prim('sub', xj, { k: 'param', name: 'b', at: [{ k: 'var', name: 'i0' }] }),
        prim('max', prim('mul', xj, { k: 'param', name: 'w', at: [{ k: 'add', a: { k: 'var', name: 'i0' }, b: { k: 'lit', v: 3 } }] }), { k: 'param', name: 'v', at: [{ k: 'lit', v: 0 }, { k: 'var', name: 'i0' }] }),
        prim('add', prim('div', prim('neg', xj), { k: 'param', name: 's', at: [{ k: 'lit', v: 0 }] }), prim('sqrt', prim('abs', xj))),
      ),
      { k: 'num', v: 0.25 },
    );
    const params = { b: { elem: 'f32', shape: [n] }, w: { elem: 'f32', shape: [n + 3] }, v: { elem: f32 ? 'f32' : 'f64', shape: [1, n] }, s: { elem: 'f32', shape: [1] } } as const;
    const spec: MapSpec = { formula, v: 'i0', n, precision, inputs: new Map([[0, { shape: [n], rowStride }]]), params };
    assert.is(compileMap(spec)!.lanes, f32 ? 4 : 2, 'the vector loop is there');
    const { heap, fn } = build(spec);
    const filled = filler(7);
    const X = filled(new Arr(heap.buffer, 0, rows * rowStride));
    X.set([0, -0, NaN, Infinity, -Infinity], 4); // signed zeros, NaN and infinities through every operation
    const Y = new Arr(heap.buffer, 8192, rows * n);
    const b = filled(new Float32Array(heap.buffer, 16384, n));
    const sc = Float32Array.of(0.75);
    new Float32Array(heap.buffer, 18432, 1).set(sc);
    const v = filled(new Arr(heap.buffer, 20480, n));
    const w = filled(new Float32Array(heap.buffer, 24576, n + 3));
    // operands in order: inputs by slot, then parameters by name (b, s, v, w)
    fn(rows, Y.byteOffset, X.byteOffset, b.byteOffset, 18432, v.byteOffset, w.byteOffset);
    for (let row = 0; row < rows; row++) {
      for (let j = 0; j < n; j++) {
        const xv = X[row * rowStride + j]!;
        const want = r(
          (r(xv - b[j]!) > 0 ? r(Math.max(r(xv * w[j + 3]!), v[j]!)) : r(r(r(-xv) / sc[0]!) + r(Math.sqrt(Math.abs(xv))))) - 0.25,
        );
        if (!same(Y[row * n + j]!, want)) assert.unreachable(`row ${row}, ${j} (x ${xv}): wasm ${Y[row * n + j]}, JS ${want}`);
      }
    }
    // broadcasts of an input and of a parameter of the module's own type, and a negative offset
    // (x[j - 2] from a pointer two elements in): y[r, j] = x[r, j - 2] * z[r, 0] + t[0]
    const formula2 = prim('add', prim('mul', x(0, -2), x(1, 0, 0)), { k: 'param', name: 't', at: [{ k: 'lit', v: 0 }] });
    const spec2: MapSpec = {
      formula: formula2,
      v: 'i0',
      n,
      precision,
      inputs: new Map([[0, { shape: [n], rowStride }], [1, { shape: [1], rowStride: 1 }]]),
      params: { t: { elem: f32 ? 'f32' : 'f64', shape: [1] } },
    };
    assert.is(compileMap(spec2)!.lanes, f32 ? 4 : 2, 'broadcasts and negative offsets stay in lanes');
    const two = build(spec2);
    const X2 = filled(new Arr(two.heap.buffer, 0, rows * rowStride + 2));
    const Z2 = filled(new Arr(two.heap.buffer, 8192, rows));
    const T2 = filled(new Arr(two.heap.buffer, 12288, 1));
    const Y2 = new Arr(two.heap.buffer, 16384, rows * n);
    two.fn(rows, Y2.byteOffset, X2.byteOffset + 2 * Arr.BYTES_PER_ELEMENT, Z2.byteOffset, T2.byteOffset);
    for (let row = 0; row < rows; row++) {
      for (let j = 0; j < n; j++) {
        const want = r(r(X2[row * rowStride + j]! * Z2[row]!) + T2[0]!);
        if (!same(Y2[row * n + j]!, want)) assert.unreachable(`broadcast: row ${row}, ${j}: wasm ${Y2[row * n + j]}, JS ${want}`);
      }
    }
    // a strided load or a helper keeps the scalar loop only
    assert.is(compileMap({ ...spec, formula: prim('add', x(0, 0, 2), xj), inputs: new Map([[0, { shape: [2 * n], rowStride }]]) })!.lanes, 1);
    assert.is(compileMap({ ...spec, formula: prim('tanh', xj) })!.lanes, 1);
  });
}

test('formulas outside what maps compute are refused', () => {
  const base = { v: 'i0', n: 4, precision: 'float64', inputs: new Map([[0, { shape: [4], rowStride: 0 }]]), params: {} } as const;
  const reduce: F = { k: 'reduce', op: 'sum', v: 'r0', n: 4, body: { k: 'input', slot: 0, at: [{ k: 'var', name: 'r0' }] } };
  const divided: F = { k: 'input', slot: 0, at: [{ k: 'div', a: { k: 'var', name: 'i0' }, c: 2 }] };
  const otherVar: F = { k: 'input', slot: 0, at: [{ k: 'var', name: 'i1' }] };
  for (const formula of [reduce, divided, otherVar]) assert.is(compileMap({ ...base, formula }), null);
  // a float64 parameter in a float32 module: the JS rounds where it is used, so it stays JS
  const p: F = prim('add', x(0), { k: 'param', name: 'p', at: [{ k: 'var', name: 'i0' }] });
  assert.is(compileMap({ ...base, precision: 'float32', formula: p, params: { p: { elem: 'f64', shape: [4] } } }), null);
  assert.ok(compileMap({ ...base, formula: p, params: { p: { elem: 'f64', shape: [4] } } }));
});

test('a module keeps the maps that fit in 4 KiB, in order; identical maps share one; the table follows the exp helper', () => {
  const reg = new MapRegistry();
  const names: string[] = [];
  for (let i = 0; i < 40; i++) {
    const formula = prim('tanh', prim('add', x(0), { k: 'num', v: i }));
    names.push(reg.add({ formula, v: 'i0', n: 8, precision: 'float32', inputs: new Map([[0, { shape: [8], rowStride: 8 }]]), params: {} })!);
  }
  const again = reg.add({ formula: prim('tanh', prim('add', x(0), { k: 'num', v: 3 })), v: 'i0', n: 8, precision: 'float32', inputs: new Map([[0, { shape: [8], rowStride: 8 }]]), params: {} });
  assert.is(again, 'map_3');
  const { bytes, maps } = reg.module(['f32'], TABLE_AT);
  assert.ok(bytes.length < 4096, `${bytes.length} bytes`);
  assert.ok(maps.length > 5 && maps.length < 40, `${maps.length} maps`);
  assert.equal(maps, names.slice(0, maps.length));
  const heap = kernelHeap(16);
  const k = kernelInstance<'gemm_f32', string>(bytes, heap) as Record<string, unknown>;
  assert.type(k.gemm_f32, 'function');
  assert.type(k[maps[maps.length - 1]!], 'function');
  assert.is(k[`map_${maps.length}`], undefined);
  // the exp helper's table is written where the numeric module reserved room for it
  assert.is(TABLE_BYTES, 512);
  const table = new Float64Array(heap.buffer, TABLE_AT, 64);
  assert.is(table[0], 1);
  assert.is(table[32], Math.SQRT2);
});

test.run();
