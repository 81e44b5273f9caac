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
          for (const K of [1, 2, 5, 33]) {
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
    assert.is(checked, 3 * 4312);
  });
}

test.run();
