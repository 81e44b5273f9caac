/** The backend table: target name -> module builder. */
import type { Graph } from '../ir/graph.js';
import { gpuModule } from './gpujs/emit.js';
import type { ModuleSpec } from './module.js';
import { numericModule, type Precision } from './numeric/emit.js';
import { symbolicModule } from './symbolic/emit.js';

export interface BackendOptions {
  readonly precision: Precision;
  /** The source file as shown in generated headers. */
  readonly source: string;
}

export const BACKENDS = {
  numeric: (g: Graph, o: BackendOptions): ModuleSpec => numericModule(g, o),
  gpu: (g: Graph, o: BackendOptions): ModuleSpec => gpuModule(g, o),
  symbolic: (g: Graph, o: BackendOptions): ModuleSpec => symbolicModule(g, o),
} as const;

export type Target = keyof typeof BACKENDS;
export const TARGETS = Object.keys(BACKENDS) as Target[];
