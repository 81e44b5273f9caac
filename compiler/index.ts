/**
 * The library API: compile(file, options) runs parse -> lower -> passes -> backends and returns
 * the emitted files; writeFiles writes them atomically (leaving unchanged files alone); load,
 * check, evaluate and importModel are the other commands as functions, for build scripts.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BACKENDS, TARGETS, type Target } from './backends/index.js';
import { emitModule, type EmittedFile, type Lang } from './backends/module.js';
import type { Precision } from './backends/numeric/emit.js';
import type { WeightsMode } from './backends/numeric/weights.js';
import { LayergenError } from './errors.js';
import { loadNet, loadNetText, type Loaded } from './frontend/index.js';
import type { Graph } from './ir/graph.js';
import { optimize, PIPELINE, type PipelineOptions } from './passes/pipeline.js';
import { explainPasses } from './dump.js';
import { checkTable } from './check.js';
import { evalNumeric, evalSymbolic, type SymbolicEvalOptions } from './evaluate.js';
import type { Expr } from '@layergen/runtime';

export { LayergenError, LayergenErrors, problemsOf } from './errors.js';
export { diagnostics, renderDiagnostics, type Diagnostic } from './diagnostics.js';
export { netSchema } from './schema.js';
export { renderGraph, toDot, toMermaid, toSvg, type GraphFormat } from './graph.js';
export { watchNet, type Watching } from './watch.js';
export { setLimits, DEFAULT_LIMITS, type Limits } from './limits.js';
export { TARGETS, type Target } from './backends/index.js';
export type { EmittedFile, Lang } from './backends/module.js';
export type { Precision } from './backends/numeric/emit.js';
export type { Graph } from './ir/graph.js';
export type { WeightsMode } from './backends/numeric/weights.js';

export interface CompileOptions {
  readonly targets?: readonly Target[];
  readonly lang?: Lang;
  readonly precision?: Precision;
  readonly pipeline?: PipelineOptions;
  /**
   * numeric: where the weights that are not literals in the code go. `auto` (default): a
   * `<net>.weights.bin` beside the module when they are large, else embedded; `embed`: base64 in
   * the module (self-contained, e.g. for a bundler); `file`: always the sidecar.
   */
  readonly weights?: WeightsMode;
  /** Same as `weights: 'embed'` (kept for existing callers). */
  readonly embedWeights?: boolean;
  /**
   * Format the emitted code with prettier (default true). false gives the same code unformatted,
   * several times faster to emit: for tests and tools that run the code rather than read it.
   */
  readonly format?: boolean;
  /** Called as compilation advances (stage names, done of total), e.g. for a progress bar. */
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

/** Loads and optimises a net from a file. */
export function build(file: string, pipeline?: PipelineOptions): Loaded {
  const { spec, graph } = loadNet(file);
  return { spec, graph: optimize(graph, pipeline) };
}

/** Same as build, from YAML text (`file` names it in messages and anchors the weights path). */
export function buildText(text: string, file: string, pipeline?: PipelineOptions): Loaded {
  const { spec, graph } = loadNetText(text, file);
  return { spec, graph: optimize(graph, pipeline) };
}

/** Emits the modules of an optimised graph. */
export async function emit(graph: Graph, source: string, opts: CompileOptions = {}): Promise<EmittedFile[]> {
  const targets = opts.targets ?? TARGETS;
  const files: EmittedFile[] = [];
  for (const t of targets) {
    const spec = BACKENDS[t](graph, { precision: opts.precision ?? 'float64', source, weights: opts.weights ?? (opts.embedWeights ? 'embed' : 'auto') });
    files.push(...(await emitModule(spec, opts.lang ?? 'ts', opts.format ?? true)));
  }
  return files;
}

/**
 * Compiles a net file to generated module files (in memory). The symbolic target is built from
 * the graph optimised with `keepParams` (its parameters stay the layers' own, for symbolic
 * parameters); the others from the fully optimised graph.
 */
export async function compile(file: string, opts: CompileOptions = {}): Promise<EmittedFile[]> {
  const targets = opts.targets ?? TARGETS;
  const progress = opts.onProgress ?? (() => {});
  const total = targets.length + 2;
  progress('loading', 0, total);
  const { graph } = loadNet(file);
  progress('optimising', 1, total);
  // the file name only: the same net gives the same files wherever the command runs
  const source = basename(file);
  const numericTargets = targets.filter((t) => t !== 'symbolic');
  const full = numericTargets.length ? optimize(graph, opts.pipeline) : undefined;
  const kept = targets.includes('symbolic') ? optimize(graph, { ...opts.pipeline, keepParams: true }) : undefined;
  const files: EmittedFile[] = [];
  for (const [i, t] of targets.entries()) {
    progress(`emitting ${t}`, 2 + i, total);
    files.push(...(await emit(t === 'symbolic' ? kept! : full!, source, { ...opts, targets: [t] })));
  }
  progress('done', total, total);
  return files;
}

/**
 * The IR after each optimisation pass (or after the named ones; `all` for every pass) as text:
 * `layergen explain`, `layergen compile --dump-after`.
 */
export function explain(file: string, after?: readonly string[], pipeline?: PipelineOptions): string {
  const known = PIPELINE.map((p) => p.name);
  const bad = (after ?? []).filter((p) => p !== 'all' && !known.includes(p));
  if (bad.length) throw new LayergenError(`unknown pass ${bad.map((b) => `"${b}"`).join(', ')} (passes: ${[...new Set(known)].join(', ')}, or all)`);
  const trace: { pass: string; graph: Graph }[] = [];
  optimize(loadNet(file).graph, { ...pipeline, trace: (pass, graph) => trace.push({ pass, graph }) });
  return explainPasses(trace, after);
}

/**
 * Writes files into `dir`: each goes to a temporary name first, then all are renamed into place,
 * so a failure leaves the previous files untouched and no half-written file behind.
 */
/** A filesystem failure as a user error naming the path: out is a file, not writable, disk full, ... */
export function fsError(e: unknown, what: string, path: string): LayergenError {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Readonly<Record<string, string>> = {
    EEXIST: 'a file of that name is in the way (a directory is needed)',
    ENOTDIR: 'part of the path is a file, not a directory',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EISDIR: 'it is a directory',
    ENAMETOOLONG: 'the name is too long',
  };
  return new LayergenError(`cannot ${what} ${path}: ${(code && why[code]) ?? code ?? String(e)}${code && why[code] ? ` (${code})` : ''}`);
}

/** A file writeFiles was given: its path, and whether its bytes changed (else it was left untouched). */
export interface Written {
  readonly path: string;
  readonly changed: boolean;
}

/** Whether `path` already holds exactly `data` (then it is left alone, modification time and all). */
function sameContent(path: string, data: Uint8Array): boolean {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size !== data.byteLength) return false;
    return readFileSync(path).equals(data);
  } catch {
    return false;
  }
}

/**
 * Writes the files into `dir`, each through a temporary file renamed into place (so a failure
 * leaves no half-written file); a file whose bytes are unchanged is not rewritten, so build tools
 * watching the output do not rebuild.
 */
export function writeFiles(dir: string, files: readonly EmittedFile[]): Written[] {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fsError(e, 'create the output directory', dir);
  }
  const data = files.map((f): Uint8Array => {
    const raw: string | Uint8Array = f.bytes ?? f.text;
    return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  });
  const changed = files.map((f, i) => !sameContent(join(dir, f.path), data[i]!));
  const temps: (string | undefined)[] = [];
  try {
    for (const [i, f] of files.entries()) {
      if (!changed[i]) {
        temps.push(undefined);
        continue;
      }
      const tmp = join(dir, `.${f.path}.${process.pid}.tmp`);
      temps.push(tmp);
      writeFileSync(tmp, data[i]!);
    }
  } catch (e) {
    temps.forEach((t) => t && rmSync(t, { force: true }));
    throw fsError(e, 'write to', dir);
  }
  const written: Written[] = [];
  for (const [i, f] of files.entries()) {
    const dest = join(dir, f.path);
    const tmp = temps[i];
    if (tmp) {
      try {
        renameSync(tmp, dest);
      } catch (e) {
        temps.slice(i).forEach((t) => t && rmSync(t, { force: true }));
        throw fsError(e, 'write', dest);
      }
    }
    written.push({ path: dest, changed: changed[i]! });
  }
  return written;
}

/** Loads and validates a net file (every problem of it in one LayergenErrors): its spec and graph. */
export function load(file: string): Loaded {
  return loadNet(file);
}

/** `layergen check` as text: the layers, inputs, output shapes and parameter counts. */
export function check(file: string): string {
  return checkTable(loadNet(file).graph);
}

/**
 * Evaluates a net on one example without generating code: numbers (the reference interpreter,
 * float64) or, with `symbolic`, expressions — each input element a number or a symbol name.
 */
export function evaluate(
  file: string,
  inputs: Record<string, (number | string)[]>,
  opts: { symbolic?: boolean } & SymbolicEvalOptions = {},
): Record<string, number[]> | Record<string, Expr[]> {
  const graph = optimize(loadNet(file).graph, { keepParams: opts.symbolic === true });
  return opts.symbolic ? evalSymbolic(graph, inputs, opts) : evalNumeric(graph, inputs);
}

/**
 * Imports an ONNX (.onnx) or Keras (.keras, .h5) model as net.yaml text and safetensors bytes
 * (what `layergen import` writes), with the graph as layergen loads it.
 */
export async function importModel(path: string, opts: { name?: string } = {}): Promise<{ name: string; yaml: string; weights: Uint8Array; weightsFile: string; graph: Graph }> {
  const keras = await import('./frontend/keras/index.js');
  if (keras.kerasFormat(path)) return keras.importKerasFile(path, opts);
  return (await import('./frontend/onnx/index.js')).importOnnxFile(path, opts);
}
