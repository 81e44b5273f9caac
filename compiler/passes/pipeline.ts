/** The optimisation pipeline: named pure passes, run in this order. */
import type { Graph } from '../ir/graph.js';
import { cse } from './cse.js';
import { expandComposites } from './expandComposites.js';
import { foldBatchNorm } from './foldBatchNorm.js';
import { foldConstants } from './foldConstants.js';
import { fuseElementwise } from './fuseElementwise.js';
import { inferShapes } from './inferShapes.js';
import { removeDead } from './removeDead.js';

export interface Pass {
  readonly name: string;
  readonly run: (g: Graph) => Graph;
  /**
   * The pass replaces parameter tensors by values computed from them (folding), or lets one
   * layer read another's equal tensors (cse), so a layer's parameters no longer are its own
   * PyTorch tensors: skipped when parameters must stay as given (symbolic parameters; the
   * symbolic DAG shares equal subexpressions by itself).
   */
  readonly rewritesParams?: boolean;
}

export const PIPELINE: readonly Pass[] = [
  { name: 'inferShapes', run: inferShapes },
  { name: 'expandComposites', run: expandComposites },
  { name: 'removeDead', run: removeDead },
  { name: 'foldConstants', run: foldConstants },
  { name: 'foldBatchNorm', run: foldBatchNorm, rewritesParams: true },
  { name: 'cse', run: cse, rewritesParams: true },
  { name: 'fuseElementwise', run: fuseElementwise },
  { name: 'removeDead', run: removeDead },
];

export interface PipelineOptions {
  /** Pass names to skip. */
  readonly disable?: readonly string[];
  /** Skip passes that rewrite parameter values (for the symbolic target and symbolic evaluation). */
  readonly keepParams?: boolean;
  /** Called after each pass with its result (for `--dump-after` and tests). */
  readonly trace?: (pass: string, g: Graph) => void;
}

export function optimize(g: Graph, opts: PipelineOptions = {}): Graph {
  return PIPELINE.reduce((acc, p) => {
    if (opts.disable?.includes(p.name) || (opts.keepParams && p.rewritesParams)) return acc;
    const next = p.run(acc);
    opts.trace?.(p.name, next);
    return next;
  }, g);
}
