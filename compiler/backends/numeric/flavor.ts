/** The numeric renderer flavour: float64 as is; float32 rounds each operation's result (Math.fround). */
import { PRIMS } from '../../ir/prims.js';
import { numLit } from '../module.js';
import type { Flavor } from '../render.js';

export type Precision = 'float64' | 'float32';

export function numericFlavor(precision: Precision, load: Pick<Flavor, 'input' | 'param'>): Flavor {
  const r = precision === 'float32' ? (s: string) => `Math.fround(${s})` : (s: string) => s;
  const num = (v: number): string => {
    const s = numLit(precision === 'float32' ? Math.fround(v) : v);
    return s.startsWith('-') ? `(${s})` : s;
  };
  return {
    ...load,
    num,
    prim: (op, args) => r((PRIMS[op].js as (...a: string[]) => string)(...args)),
    reduceDecl: (op, acc) => `let ${acc} = ${op === 'sum' ? '0' : '-Infinity'};`,
    reduceStep: (op, acc, v) =>
      op === 'max' ? `${acc} = Math.max(${acc}, ${v});` : precision === 'float32' ? `${acc} = Math.fround(${acc} + ${v});` : `${acc} += ${v};`,
    reduceResult: (_op, acc) => acc,
    symbolic: false,
  };
}
