/**
 * Checks shared by the importer tests (test/onnx, test/keras): an imported net's gpu module
 * against the float64 reference, and its symbolic module evaluated at a case's inputs against
 * the numeric module and the reference.
 */
import * as assert from 'uvu/assert';
import { evaluate, type Expr } from '@layergen/runtime';
import { gpuImport } from './backends/gpujs/load.js';
import { compileAndImport, example, mismatch } from './helpers.js';

/** One batch of a fixture: flat batched inputs and float64 reference outputs. */
export interface ReferenceCase {
  readonly batch: number;
  readonly inputs: Record<string, number[]>;
  readonly float64: Record<string, number[]>;
}

export type Out = Record<string, Float64Array | Float32Array>;
export interface NumericModule {
  predictBatch(inputs: Record<string, unknown>, batch: number): Out;
  predict(inputs: Record<string, unknown>): Out;
  inputShapes: Record<string, readonly number[]>;
  outputShapes: Record<string, readonly number[]>;
}
interface SymbolicModule {
  predict(inputs: Record<string, unknown>): Record<string, Expr[]>;
}

/** Every case through the gpu module, within 1e-4 of the float64 reference (relative above 1, absolute below). */
export async function checkGpu(yaml: string, cases: readonly ReferenceCase[]): Promise<void> {
  const m = await gpuImport({ file: yaml }, 'js');
  try {
    for (const c of cases) {
      const got = await m.predictBatch(c.inputs, c.batch);
      for (const [o, ref] of Object.entries(c.float64)) assert.is(mismatch(got[o]!, ref, 1e-4, 1, `batch ${c.batch} output ${o} (${m.backendInfo().kernel})`), null);
    }
  } finally {
    await m.dispose();
  }
}

/**
 * The symbolic module at the first example of `c`, evaluated: equal to the numeric module to
 * 1e-12 and to the reference within `tol` (relative, absolute below `floor`).
 */
export async function checkSymbolic(yaml: string, c: ReferenceCase, tol: number, floor: number): Promise<void> {
  const s = await compileAndImport<SymbolicModule>(yaml, 'symbolic');
  const n = await compileAndImport<NumericModule>(yaml, 'numeric');
  const ins = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, example(v, c.batch, 0)]));
  const num = n.predict(ins);
  for (const [o, exprs] of Object.entries(s.predict(ins))) {
    const values = exprs.map((e) => evaluate(e, {}));
    assert.is(mismatch(values, Array.from(num[o]!), 1e-12, 1e-300, `${o} symbolic vs numeric`), null);
    assert.is(mismatch(values, example(c.float64[o]!, c.batch, 0), tol, floor, `${o} symbolic vs reference`), null);
  }
}
