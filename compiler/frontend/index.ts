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
  checkLimits(graph);
  let weights;
  if (spec.weights) {
    const path = resolve(dirname(file), spec.weights.path);
    const shown = relative(process.cwd(), path) || path;
    weights = { set: loadWeights(path, shown, spec.weights.place), file: shown };
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
