/**
 * The library API: compile(file, options) runs parse -> lower -> passes -> backends and returns
 * the emitted files; writeFiles writes them atomically; evaluate/check serve the CLI.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BACKENDS, TARGETS, type Target } from './backends/index.js';
import { emitModule, type EmittedFile, type Lang } from './backends/module.js';
import type { Precision } from './backends/numeric/emit.js';
import { LayergenError } from './errors.js';
import { loadNet, loadNetText, type Loaded } from './frontend/index.js';
import type { Graph } from './ir/graph.js';
import { optimize, type PipelineOptions } from './passes/pipeline.js';

export { LayergenError } from './errors.js';
export { TARGETS, type Target } from './backends/index.js';
export type { EmittedFile, Lang } from './backends/module.js';
export type { Precision } from './backends/numeric/emit.js';
export type { Graph } from './ir/graph.js';

export interface CompileOptions {
  readonly targets?: readonly Target[];
  readonly lang?: Lang;
  readonly precision?: Precision;
  readonly pipeline?: PipelineOptions;
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
    const spec = BACKENDS[t](graph, { precision: opts.precision ?? 'float64', source });
    files.push(...(await emitModule(spec, opts.lang ?? 'ts')));
  }
  return files;
}

/** Compiles a net file to generated module files (in memory). */
export async function compile(file: string, opts: CompileOptions = {}): Promise<EmittedFile[]> {
  const { graph } = build(file, opts.pipeline);
  return emit(graph, relative(process.cwd(), file) || file, opts);
}

/**
 * Writes files into `dir`: each goes to a temporary name first, then all are renamed into place,
 * so a failure leaves the previous files untouched and no half-written file behind.
 */
export function writeFiles(dir: string, files: readonly EmittedFile[]): string[] {
  mkdirSync(dir, { recursive: true });
  const temps: string[] = [];
  try {
    for (const f of files) {
      const tmp = join(dir, `.${f.path}.${process.pid}.tmp`);
      temps.push(tmp);
      writeFileSync(tmp, f.text);
    }
  } catch (e) {
    temps.forEach((t) => rmSync(t, { force: true }));
    throw new LayergenError(`cannot write to ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return files.map((f, i) => {
    const dest = join(dir, f.path);
    renameSync(temps[i]!, dest);
    return dest;
  });
}
