/**
 * Shared by the spatial ops (conv, pooling): the per-example `[C, ...spatial]` layout, per-axis
 * `ints` attributes, PyTorch's output-size rule, and window formulas that read an input at
 * `o * stride - padding + r * dilation` with padding handled by a guard.
 */
import { ShapeError } from '../errors.js';
import type { Bound, F, FormulaBuilder, Ix } from '../ir/formula.js';
import { I } from '../ir/formula.js';
import { fmtShape, type Attrs, type TensorType } from '../ir/graph.js';
import { needFloat } from './shapeRules.js';

const AXIS_NAMES: Readonly<Record<number, readonly string[]>> = { 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };

/** `[C, L]`, `[C, H, W]`, ...: the per-example layout of an input with `spatial` spatial axes. */
export function layout(spatial: number): string {
  const names = AXIS_NAMES[spatial] ?? Array.from({ length: spatial }, (_, d) => `S${d + 1}`);
  return `[${['C', ...names].join(', ')}]`;
}

/** A float input of exactly `[C, ...spatial]`. */
export function needLayout(x: TensorType, spatial: number): void {
  needFloat(x);
  if (x.shape.length !== spatial + 1) {
    throw new ShapeError(`expected input of shape ${layout(spatial)} (rank ${spatial + 1}), got ${fmtShape(x.shape)}`);
  }
}

/**
 * An `ints` attribute as one value per spatial axis: a single value applies to every axis.
 * `fallback` stands in for an empty list (the "same as another key" defaults, e.g. pool stride).
 */
export function perAxis(a: Attrs, key: string, spatial: number, min: number, fallback?: readonly number[]): number[] {
  let v = (a[key] ?? []) as readonly number[];
  if (v.length === 0 && fallback) v = fallback;
  if (v.length !== 1 && v.length !== spatial) {
    const want = spatial === 1 ? '1 value' : `1 value or ${spatial} (one per spatial axis)`;
    throw new ShapeError(`${key}: expected ${want}, got ${v.length}: [${v.join(', ')}]`);
  }
  for (const x of v) if (x < min) throw new ShapeError(`${key}: expected values >= ${min}, got ${x}`);
  return v.length === 1 ? new Array<number>(spatial).fill(v[0]!) : [...v];
}

/** A sliding window, one entry per spatial axis; `padEnd` (default: `padding`) pads the end of an axis. */
export interface Window {
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly padEnd?: readonly number[];
  readonly dilation: readonly number[];
  /** PyTorch's ceil_mode: a last, partial window where it starts inside the input or the begin padding. */
  readonly ceil?: boolean;
}

/**
 * Output sizes, PyTorch's rule: floor((n + pb + pe - d(k - 1) - 1) / s) + 1 (ceil with ceil_mode,
 * dropping a last window that would start in the end padding); at least 1 or an error.
 */
export function windowOut(spatialIn: readonly number[], w: Window): number[] {
  return spatialIn.map((n, d) => {
    const k = w.kernel[d]!, s = w.stride[d]!, p = w.padding[d]!, dil = w.dilation[d]!;
    const pe = (w.padEnd ?? w.padding)[d]!;
    const span = dil * (k - 1) + 1;
    const room = n + p + pe - span;
    let out = (w.ceil ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
    if (w.ceil && (out - 1) * s >= n + p) out--;
    if (out < 1) {
      const how = `kernel ${k}${dil > 1 ? ` with dilation ${dil} (span ${span})` : ''} and padding ${p}`;
      throw new ShapeError(`input size ${n} on axis ${d + 1} is too small for ${how}: output size would be ${out}`);
    }
    return out;
  });
}

/** Nested reductions over every kernel offset; `body` gets one offset variable per spatial axis. */
export function overWindow(b: FormulaBuilder, op: 'sum' | 'max', kernel: readonly number[], body: (r: readonly string[]) => F): F {
  const go = (d: number, rs: readonly string[]): F => (d === kernel.length ? body(rs) : b.reduce(op, kernel[d]!, (r) => go(d + 1, [...rs, r])));
  return go(0, []);
}

/**
 * `body` at the input position of output spatial index `o` and kernel offsets `r`, or `pad`
 * where that position falls in the padding. Axes without padding never leave the input
 * (the output-size rule guarantees it), so only padded axes are guarded.
 */
export function atWindow(
  b: FormulaBuilder,
  o: readonly Ix[],
  r: readonly string[],
  w: Window,
  spatialIn: readonly number[],
  body: (at: readonly Ix[]) => F,
  pad: F,
): F {
  const at = windowAt(o, r, w);
  return b.guard(inputBounds(at, w, spatialIn), body(at), pad);
}

/** Input positions of output index `o` and kernel offsets `r`: o * stride - padding + r * dilation. */
export function windowAt(o: readonly Ix[], r: readonly string[], w: Window): Ix[] {
  return o.map((od, d) => I.add(I.add(I.scale(od, w.stride[d]!), -w.padding[d]!), I.scale(r[d]!, w.dilation[d]!)));
}

/**
 * The bounds keeping window positions `at` inside the input; axes whose windows never leave it
 * (no padding, no ceil_mode) need none.
 */
export function inputBounds(at: readonly Ix[], w: Window, spatialIn: readonly number[]): Bound[] {
  return at.flatMap((ix, d) => (w.padding[d]! > 0 || (w.padEnd ?? w.padding)[d]! > 0 || w.ceil ? [{ ix, lt: spatialIn[d]! }] : []));
}

export const prod = (xs: readonly number[]): number => xs.reduce((a, c) => a * c, 1);
