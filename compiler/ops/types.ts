/** What defines an op: its YAML keys, its parameters, its shape rule and its per-element formula. */
import type { Attrs, Node, TensorType } from '../ir/graph.js';
import type { F, FormulaBuilder } from '../ir/formula.js';

export type AttrSpec =
  /** `shown`: how docs spell the default when the number stands for something (slice's `end`: the end). */
  | { readonly type: 'int'; readonly min?: number; readonly default?: number; readonly shown?: string; readonly doc: string }
  | { readonly type: 'float'; readonly min?: number; readonly default?: number; readonly doc: string }
  | { readonly type: 'bool'; readonly default?: boolean; readonly doc: string }
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly default?: string; readonly doc: string }
  /** `words`: strings also accepted in place of the ints (conv's padding: same | valid). */
  | { readonly type: 'ints'; readonly default?: readonly number[]; readonly words?: readonly string[]; readonly doc: string }
  /** Named references to other layers or inputs (e.g. `initial: {h: h0, c: c0}`): extra inputs. */
  | { readonly type: 'refs'; readonly keys: readonly string[]; readonly default?: Readonly<Record<string, string>>; readonly doc: string };

export interface ParamSpec {
  readonly shape: readonly number[];
  /** Seeded init draws uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)), PyTorch's default. */
  readonly fanIn: number;
  /**
   * Seeded init kind: 'uniform' (the default) as above; 'zeros' / 'ones' fill with a constant,
   * as PyTorch initialises norm layers (weight = 1, bias = 0, running_mean = 0, running_var = 1);
   * `{ fill: v }` fills with v (PReLU's slopes start at 0.25).
   */
  readonly init?: 'uniform' | 'zeros' | 'ones' | { readonly fill: number };
}

export interface OpDef {
  /** The YAML `type`. */
  readonly type: string;
  /** The PyTorch equivalent, for docs. */
  readonly torch: string;
  readonly doc: string;
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  /** How many inputs the layer takes. */
  readonly arity: { readonly min: number; readonly max: number };
  /** Parameters the layer needs, given its attrs and input types. */
  params?(a: Attrs, ins: readonly TensorType[]): Readonly<Record<string, ParamSpec>>;
  /** Time steps a recurrent layer runs (for the resource guards, compiler/limits.ts). */
  steps?(a: Attrs, ins: readonly TensorType[]): number;
  /** The output type; throws ShapeError with a message for bad inputs. */
  shape(a: Attrs, ins: readonly TensorType[]): TensorType;
  /** One output element as a formula of the output index variables i0, i1, ... */
  formula?(a: Attrs, ins: readonly TensorType[], out: TensorType, b: FormulaBuilder): F;
  /**
   * Composite ops (recurrent layers) instead expand into other nodes (scans, concat, take);
   * the last returned node takes the place (id, name) of `n`. Run by the expandComposites pass.
   */
  expand?(n: Node, ins: readonly TensorType[], fresh: () => number): Node[] | undefined;
  /** Internal ops exist in the IR only and are not YAML layer types. */
  readonly internal?: boolean;
  /** True when the formula is pointwise in input 0 (same index, no reduction): fusable. */
  readonly elementwise?: boolean;
  /**
   * Output channel c (axis 0 of the output) is an affine map of the input through the rows
   * `weight[c, ...]`, plus `bias[c]` when the `bias` attr is set: a following per-channel affine
   * map (an inference batchnorm) can be folded into those parameters (foldBatchNorm). `folds`
   * narrows it to the output types where axis 0 is the channel (linear: vectors only).
   */
  readonly channelAffine?: { folds(out: TensorType): boolean };
}
