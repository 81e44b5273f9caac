/**
 * The WebAssembly inner-product kernels (compiler/backends/numeric/wasmKernel.ts), and the runtime's
 * JS fallback for engines without WebAssembly SIMD, against plain loops over the untransposed
 * weights, bit for bit, for every kind and for shapes that hit every path: 4-row tiles and leftover
 * rows, vector tiles (wide one-row tiles, then narrow ones) and leftover outputs, K = 1.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  wasmKernels,
  type KernelKind,
} from "../../compiler/backends/numeric/wasmKernel.js";
import { kernelHeap, kernelInstance } from '@layergen/runtime';
import { macsPerIteration, peakModule } from "../../bench/roofline.js";

const KINDS: readonly KernelKind[] = ["f64w32", "f64w64", "f32"];
const align8 = (v: number): number => Math.ceil(v / 8) * 8;

test("the module compiles (WebAssembly validates it) and exports one gemm per kind", () => {
  const bytes = wasmKernels(KINDS);
  const k = kernelInstance<"gemm_f32" | "gemm_f64w32" | "gemm_f64w64">(
    bytes,
    kernelHeap(1),
  );
  for (const kind of KINDS) assert.type(k[`gemm_${kind}`], "function");
});

test("a module's kernels stay under 4 KiB (browsers compile at most that synchronously on the main thread)", () => {
  // a float32 module uses f32 only, a float64 one f64w32 and f64w64 at most (steps.ts kernelKind)
  for (const kinds of [["f32"], ["f64w32", "f64w64"]] as KernelKind[][]) {
    const n = wasmKernels(kinds).length;
    assert.ok(n < 4096, `${kinds.join(" + ")}: ${n} bytes`);
  }
});

for (const js of [false, true]) {
  test(`${js ? "JS fallback kernels" : "WebAssembly kernels"}: every kind equals the sequential loops exactly, on shapes covering each path`, () => {
    const heap = kernelHeap(16);
    const kernels = kernelInstance<string>(wasmKernels(KINDS), heap, { js });
    let seed = 7;
    const rnd = (): number =>
      ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    let checked = 0;
    for (const kind of KINDS) {
      const ex = kind === "f32" ? 4 : 8;
      const ew = kind === "f64w64" ? 8 : 4;
      const XArr = ex === 4 ? Float32Array : Float64Array;
      const WArr = ew === 4 ? Float32Array : Float64Array;
      const round = kind === "f32" ? Math.fround : (v: number): number => v;
      for (const M of [1, 3, 4, 5, 9]) {
        for (const N of [1, 3, 4, 7, 8, 9, 17, 27, 40]) {
          // K = 130: a long sum (a K-blocked variant of the 4-row tiles was measured here: no faster)
          for (const K of [1, 2, 5, 33, 130]) {
            const wp = 64;
            const xp = align8(wp + K * N * ew + 24);
            const yp = align8(xp + M * K * ex + 40);
            const W = new WArr(heap.buffer, wp, K * N);
            const X = new XArr(heap.buffer, xp, M * K);
            const Y = new XArr(heap.buffer, yp, M * N);
            const w = Array.from({ length: N * K }, () =>
              ew === 4 ? Math.fround(rnd()) : rnd(),
            ); // w[o * K + k]
            for (let k = 0; k < K; k++)
              for (let o = 0; o < N; o++) W[k * N + o] = w[o * K + k]!;
            for (let i = 0; i < M * K; i++) X[i] = rnd();
            Y.fill(NaN);
            kernels[`gemm_${kind}`]!(wp, xp, yp, M, N, K);
            for (let m = 0; m < M; m++) {
              for (let o = 0; o < N; o++) {
                let s = 0;
                for (let k = 0; k < K; k++)
                  s = round(s + round(w[o * K + k]! * X[m * K + k]!));
                assert.ok(
                  Object.is(Y[m * N + o], s),
                  `${kind} M=${M} N=${N} K=${K} at (${m}, ${o}): ${Y[m * N + o]} vs ${s}`,
                );
                checked++;
              }
            }
          }
        }
      }
    }
    assert.is(checked, 3 * 12760); // every M x N output of every (M, N, K): 22 rows x 116 outputs x 5 Ks
  });
}


test("the roofline kernel (bench/roofline.ts) validates and computes what it claims to", () => {
  // the project's lib settings declare no WebAssembly value (see runtime/kernels.ts)
  const api = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object) => { exports: object } } }).WebAssembly;
  const k = new api.Instance(new api.Module(peakModule())).exports as Record<string, (n: number) => number>;
  // each of 8 accumulators adds y * c_(v mod 4) four times per iteration, y = 1 + t * 1e-7 at
  // iteration t, c_j = 1 + j / 64: lane 0 of the accumulators' sum
  const sumC = 2 * (4 + 6 / 64);
  for (const n of [1, 3, 10]) {
    // the sum of y over the iterations, y stepped in float64 and in float32 (1e-7 rounds to 1.19e-7 there)
    let [ys, ys32, y32] = [0, 0, 1];
    for (let t = 0; t < n; t++, y32 = Math.fround(y32 + Math.fround(1e-7))) [ys, ys32] = [ys + 1 + t * 1e-7, ys32 + y32];
    assert.ok(Math.abs(k.peak_f64!(n) / (4 * sumC * ys) - 1) < 1e-14, `f64, ${n} iterations`);
    assert.ok(Math.abs(k.peak_f32!(n) / (4 * sumC * ys32) - 1) < 1e-6, `f32, ${n} iterations`);
  }
  assert.is(macsPerIteration("f32"), 4 * 8 * 4);
  assert.is(macsPerIteration("f64"), 4 * 8 * 2);
});

test.run();
