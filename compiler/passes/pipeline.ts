/** The optimisation pipeline: named pure passes, run in this order. */
import type { Graph } from '../ir/graph.js';
import { expandComposites } from './expandComposites.js';
import { foldConstants } from './foldConstants.js';
import { inferShapes } from './inferShapes.js';
import { removeDead } from './removeDead.js';

export interface Pass {
  readonly name: string;
  readonly run: (g: Graph) => Graph;
}

export const PIPELINE: readonly Pass[] = [
  { name: 'inferShapes', run: inferShapes },
  { name: 'expandComposites', run: expandComposites },
  { name: 'removeDead', run: removeDead },
  { name: 'foldConstants', run: foldConstants },
  { name: 'removeDead', run: removeDead },
];

export interface PipelineOptions {
  /** Pass names to skip. */
  readonly disable?: readonly string[];
  /** Called after each pass with its result (for `--dump-after` and tests). */
  readonly trace?: (pass: string, g: Graph) => void;
}

export function optimize(g: Graph, opts: PipelineOptions = {}): Graph {
  return PIPELINE.reduce((acc, p) => {
    if (opts.disable?.includes(p.name)) return acc;
    const next = p.run(acc);
    opts.trace?.(p.name, next);
    return next;
  }, g);
}
