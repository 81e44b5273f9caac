/** The frontend: net.yaml path -> validated, shape-inferred graph with bound parameters. */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { LayergenError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { checkLimits } from '../limits.js';
import { inferShapes } from '../passes/inferShapes.js';
import { lower } from './lower.js';
import { bindParams } from './params.js';
import { parseNet } from './parse.js';
import type { NetSpec } from './spec.js';
import { loadWeights } from './weights.js';

export interface Loaded {
  readonly spec: NetSpec;
  readonly graph: Graph;
}

/** Loads a net from YAML text; `file` is used for messages and to resolve the weights path. */
export function loadNetText(text: string, file: string): Loaded {
  const spec = parseNet(text, file);
  let graph = inferShapes(lower(spec));
  // Sizes from shapes alone, before parameters are read or drawn (compiler/limits.ts).
  const counts = checkLimits(graph);
  let weights;
  if (spec.weights) {
    const path = resolve(dirname(file), spec.weights.path);
    const shown = relative(process.cwd(), path) || path;
    // A weights file holds at most every parameter as float64, plus headers and the odd extra (num_batches_tracked).
    const budget = { bytes: counts.params * 8 + (counts.tensors + 64) * 65_536, why: `the net's ${counts.params.toLocaleString('en-US')} parameters can need` };
    weights = { set: loadWeights(path, shown, spec.weights.place, budget), file: shown };
  }
  graph = inferShapes(bindParams(graph, spec, weights));
  return { spec, graph };
}

export function loadNet(file: string): Loaded {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LayergenError(`cannot read net: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
  return loadNetText(text, file);
}
