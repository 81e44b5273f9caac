/** The backend table: target name -> module builder. */
import type { Graph } from '../ir/graph.js';
import { gpuModule } from './gpujs/emit.js';
import type { ModuleSpec } from './module.js';
import { numericModule, type Precision } from './numeric/emit.js';
import type { WeightsMode } from './numeric/weights.js';
import { symbolicModule } from './symbolic/emit.js';
import { jacobianModule } from './jacobian/emit.js';

export interface BackendOptions {
  readonly precision: Precision;
  /** The source file as shown in generated headers. */
  readonly source: string;
  /** numeric: where non-literal weights go (see CompileOptions.weights). */
  readonly weights?: WeightsMode;
}

export const BACKENDS = {
  numeric: (g: Graph, o: BackendOptions): ModuleSpec => numericModule(g, o),
  gpu: (g: Graph, o: BackendOptions): ModuleSpec => gpuModule(g, o),
  symbolic: (g: Graph, o: BackendOptions): ModuleSpec => symbolicModule(g, o),
  jacobian: (g: Graph, o: BackendOptions): ModuleSpec => jacobianModule(g, o),
} as const;

export type Target = keyof typeof BACKENDS;
/** Every target; `compile` without `--target` writes the default three. */
export const ALL_TARGETS = Object.keys(BACKENDS) as Target[];
export const TARGETS: readonly Target[] = ['numeric', 'gpu', 'symbolic'];
