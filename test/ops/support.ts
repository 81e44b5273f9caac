/** Shared by the op tests: one-layer nets from YAML, the reference interpreter, random data, errors. */
import * as assert from 'uvu/assert';
import { buildText, LayergenError } from '../../compiler/index.js';
import { mulberry32 } from '../../compiler/frontend/init.js';
import { float64, interpret } from '../../compiler/interpret.js';
import type { Tensor } from '../../compiler/ir/graph.js';
import { mismatch } from '../helpers.js';

/**
 * A net with input `x` (`input` is its YAML value, e.g. `[4, 10]` or `{shape: [5], dtype: int}`)
 * and one layer named `l` whose keys are `layer` (YAML lines, unindented).
 */
export function oneLayer(input: string, layer: string, tail = 'seed: 1\n'): string {
  const body = layer
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return `name: t\ninputs:\n  x: ${input}\nlayers:\n  - name: l\n${body}\n${tail}`;
}

/** The LayergenError message of building `text`. */
export function errorOf(text: string): string {
  try {
    buildText(text, 'net.yaml');
  } catch (e) {
    if (e instanceof LayergenError) return e.message;
    throw e;
  }
  throw new Error('expected a LayergenError');
}

/** Output shape of layer `l`. */
export function shapeOf(text: string): number[] {
  const { graph } = buildText(text, 'net.yaml');
  return [...graph.nodes.find((n) => n.name === 'l')!.type!.shape];
}

/** Runs a one-layer net through the reference interpreter (float64): its output and the layer's parameters. */
export function run(text: string, x: readonly number[]): { y: number[]; shape: number[]; params: Readonly<Record<string, Tensor>> } {
  const { graph } = buildText(text, 'net.yaml');
  const node = graph.nodes.find((n) => n.name === 'l')!;
  const out = interpret(graph, { x }, float64);
  return { y: out[graph.outputs[0]!.name]!, shape: [...node.type!.shape], params: node.params };
}

/** `n` numbers uniform in (-1, 1), reproducibly from `seed`. */
export function randoms(n: number, seed: number): number[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => 2 * rng() - 1);
}

/** Asserts every element within `tol` relative to max(|want|, 1). */
export function near(got: ArrayLike<number>, want: readonly number[], what: string, tol = 1e-12): void {
  assert.is(mismatch(got, want, tol, 1, what), null);
}

export const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
