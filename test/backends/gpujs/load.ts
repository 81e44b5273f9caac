/**
 * Compiling nets to gpu modules and importing them, for the gpu.js backend tests. Goes through
 * build -> gpuModule -> emitModule directly, so it does not depend on the backend table.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { gpuModule, netSpec } from '../../../compiler/backends/gpujs/emit.js';
import { plan } from '../../../compiler/backends/plan.js';
import { emitModule, type EmittedFile, type Lang } from '../../../compiler/backends/module.js';
import { build, buildText } from '../../../compiler/index.js';
import type { Graph } from '../../../compiler/ir/graph.js';
import type { GpuBackendInfo, GpuOptions } from '@layergen/runtime/gpu';
import { float64, interpret } from '../../../compiler/interpret.js';
import * as assert from 'uvu/assert';
import { mismatch, repo, tempDir } from '../../helpers.js';

export type Out = Record<string, Float32Array>;

/** What a generated gpu module exports. */
export interface GpuModule {
  predict(inputs: Record<string, unknown>): Promise<Out>;
  predictBatch(inputs: Record<string, unknown>, batch: number): Promise<Out>;
  configure(options?: GpuOptions): void;
  backendInfo(): GpuBackendInfo;
  dispose(): Promise<void>;
  inputShapes: Record<string, readonly number[]>;
  outputShapes: Record<string, readonly number[]>;
}

/** A net given as a repo-relative file, YAML text, or an optimised graph. */
export type NetSource = { file: string } | { yaml: string; name: string } | { graph: Graph };

function graphOf(src: NetSource): { graph: Graph; source: string } {
  if ('graph' in src) return { graph: src.graph, source: `${src.graph.name}.yaml` };
  if ('file' in src) return { graph: build(repo(src.file)).graph, source: src.file };
  return {
    graph: buildText(src.yaml, repo('.tmp-test', `${src.name}.yaml`)).graph,
    source: `${src.name}.yaml`,
  };
}

/** The gpu module's files; `format: false` skips prettier (for modules that are run, not read). */
export async function gpuFiles(src: NetSource, lang: Lang, format = true): Promise<EmittedFile[]> {
  const { graph, source } = graphOf(src);
  return emitModule(gpuModule(graph, { source }), lang, format);
}

/** Compiles a gpu module into a fresh directory inside the repo; returns its .js file (`ts` is transpiled, as a user's build would). */
export async function gpuWrite(src: NetSource, lang: Lang = 'js'): Promise<string> {
  const files = await gpuFiles(src, lang, false);
  const dir = tempDir(`gpu-${lang}`);
  let main = '';
  for (const f of files) {
    if (lang === 'ts') {
      const js = ts.transpileModule(f.text, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      }).outputText;
      main = join(dir, f.path.replace(/\.ts$/, '.js'));
      writeFileSync(main, js);
    } else {
      writeFileSync(join(dir, f.path), f.text);
      if (f.path.endsWith('.js')) main = join(dir, f.path);
    }
  }
  return main;
}

export async function gpuImport(src: NetSource, lang: Lang = 'js'): Promise<GpuModule> {
  return (await import(pathToFileURL(await gpuWrite(src, lang)).href)) as GpuModule;
}

/** Every kernel source a graph's gpu module declares (without emitting the module). */
export function kernelSources(graph: Graph): { name: string; source: string }[] {
  return netSpec(plan(graph), `${graph.name}.gpu`).kernels.map((k) => ({ name: k.id, source: k.source }));
}

/** Type-checks an emitted .ts module with --strict against the built runtime; returns the diagnostics. */
export async function typecheck(src: NetSource): Promise<string[]> {
  const [file] = await gpuFiles(src, 'ts');
  const path = join(tempDir('gpu-tsc'), file!.path);
  writeFileSync(path, file!.text);
  const program = ts.createProgram([path], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ['node'],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/**
 * `mismatch` from the shared helpers, after first reporting any NaN or Inf where the reference is
 * finite (its running maximum forgets a NaN once a later element compares normally).
 */
export function gpuMismatch(
  got: ArrayLike<number>,
  want: readonly number[],
  tol: number,
  what: string,
): string | null {
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    if (!Number.isFinite(got[i]!) && Number.isFinite(want[i]!))
      return `${what}: element ${i}: got ${got[i]}, expected ${want[i]}`;
  }
  return mismatch(got, want, tol, 1, what);
}

/** max |got - want| / max(1, |want|): the measure the 1e-4 tolerance bounds. */
export function relError(got: ArrayLike<number>, want: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    if (got[i] === want[i]) continue;
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  }
  return worst;
}

/** Deterministic inputs in [-scale, scale]. */
export function data(n: number, seed: number, scale: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * 2 * scale;
  });
}

/**
 * Batches of inputs in [-scale, scale] through one gpu module of `graph` (configured with
 * `options`, if given), one call after another, every example within 1e-4 of the reference
 * interpreter in float64. Returns what backendInfo() said after each call.
 */
export async function againstInterpreter(src: NetSource, graph: Graph, batches: number | readonly number[], scale: number, options?: GpuOptions): Promise<GpuBackendInfo[]> {
  const m = await gpuImport(src);
  const infos: GpuBackendInfo[] = [];
  try {
    if (options) m.configure(options);
    for (const batch of typeof batches === 'number' ? [batches] : batches) {
      const ins = Object.fromEntries(
        Object.entries(m.inputShapes).map(([k, s], i) => [
          k,
          data(batch * s.reduce((a, b) => a * b, 1), 7 + i, scale),
        ]),
      );
      const got = await m.predictBatch(ins, batch);
      for (let b = 0; b < batch; b++) {
        const one = Object.fromEntries(
          Object.entries(ins).map(([k, v]) => [
            k,
            v.slice((b * v.length) / batch, ((b + 1) * v.length) / batch),
          ]),
        );
        const want = interpret(graph, one, float64);
        for (const [o, ref] of Object.entries(want)) {
          const n = ref.length;
          assert.is(
            gpuMismatch(got[o]!.subarray(b * n, (b + 1) * n), ref, 1e-4, `example ${b} output ${o}`),
            null,
          );
        }
      }
      infos.push(m.backendInfo());
    }
    return infos;
  } finally {
    await m.dispose();
  }
}
