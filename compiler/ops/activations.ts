/** Pointwise activations: out[i] = f(x[i]), with PyTorch's formulas and defaults. */
import type { F, FormulaBuilder } from '../ir/formula.js';
import { outIndex } from '../ir/formula.js';
import { ShapeError } from '../errors.js';
import { fmtShape, size, type Attrs } from '../ir/graph.js';
import { needFloat } from './shapeRules.js';
import type { AttrSpec, OpDef } from './types.js';

/** A pointwise op defined by its scalar formula (also used by ops/math.ts). */
export function pointwise(
  type: string,
  torch: string,
  doc: string,
  f: (x: F, b: FormulaBuilder, a: Attrs) => F,
  attrs: Readonly<Record<string, AttrSpec>> = {},
): OpDef {
  return {
    type,
    torch,
    doc,
    attrs,
    arity: { min: 1, max: 1 },
    elementwise: true,
    shape: (_a, [x]) => {
      needFloat(x!);
      return x!;
    },
    formula: (a, _ins, out, b) => f(b.input(0, outIndex(out.shape.length)), b, a),
  };
}

const pos = (b: FormulaBuilder, x: F): F => b.prim('max', b.num(0), x);
const negPart = (b: FormulaBuilder, x: F): F => b.prim('min', b.num(0), x);
/** alpha * (exp(min(0, x)) - 1): ELU's negative branch, exact for every x. */
const eluNeg = (b: FormulaBuilder, x: F, alpha: number): F =>
  b.prim('mul', b.num(alpha), b.prim('sub', b.prim('exp', negPart(b, x)), b.num(1)));

export const identity = pointwise('identity', 'nn.Identity', 'x', (x) => x);
export const dropout = pointwise('dropout', 'nn.Dropout(p) (eval mode)', 'x (identity at inference)', (x) => x, {
  p: { type: 'float', min: 0, default: 0.5, doc: 'drop probability in training; ignored at inference' },
});
export const relu = pointwise('relu', 'nn.ReLU', 'max(0, x)', (x, b) => pos(b, x));
export const sigmoid = pointwise('sigmoid', 'nn.Sigmoid', '1 / (1 + exp(-x))', (x, b) => b.prim('sigmoid', x));
export const tanh = pointwise('tanh', 'nn.Tanh', 'tanh(x)', (x, b) => b.prim('tanh', x));

export const leakyRelu = pointwise(
  'leaky_relu',
  'nn.LeakyReLU(negative_slope=slope)',
  'max(0, x) + slope * min(0, x)',
  (x, b, a) => b.prim('add', pos(b, x), b.prim('mul', b.num(a.slope as number), negPart(b, x))),
  { slope: { type: 'float', default: 0.01, doc: 'negative slope' } },
);

export const elu = pointwise(
  'elu',
  'nn.ELU(alpha)',
  'max(0, x) + alpha * (exp(min(0, x)) - 1)',
  (x, b, a) => b.prim('add', pos(b, x), eluNeg(b, x, a.alpha as number)),
  { alpha: { type: 'float', default: 1.0, doc: 'scale of the negative branch' } },
);

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
export const selu = pointwise('selu', 'nn.SELU', 'scale * (max(0, x) + alpha * (exp(min(0, x)) - 1))', (x, b) =>
  b.prim('mul', b.num(SELU_SCALE), b.prim('add', pos(b, x), eluNeg(b, x, SELU_ALPHA))),
);

export const gelu = pointwise(
  'gelu',
  "nn.GELU(approximate='none'|'tanh')",
  "0.5 x (1 + erf(x / sqrt 2)); approximate: tanh gives 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))",
  (x, b, a) => {
    const half = b.prim('mul', x, b.num(0.5));
    if (a.approximate === 'tanh') {
      const inner = b.prim('add', x, b.prim('mul', b.num(0.044715), b.prim('mul', x, b.prim('mul', x, x))));
      return b.prim('mul', half, b.prim('add', b.num(1), b.prim('tanh', b.prim('mul', b.num(Math.sqrt(2 / Math.PI)), inner))));
    }
    return b.prim('mul', half, b.prim('add', b.num(1), b.prim('erf', b.prim('mul', x, b.num(Math.SQRT1_2)))));
  },
  { approximate: { type: 'enum', values: ['none', 'tanh'], default: 'none', doc: 'exact erf form, or the tanh approximation' } },
);

export const silu = pointwise('silu', 'nn.SiLU', 'x * sigmoid(x)', (x, b) => b.prim('mul', x, b.prim('sigmoid', x)));

export const softplus = pointwise(
  'softplus',
  'nn.Softplus(beta, threshold)',
  'log(1 + exp(beta x)) / beta; numerically x where beta x > threshold, like PyTorch',
  (x, b, a) => {
    const beta = a.beta as number;
    const bx = b.prim('mul', b.num(beta), x);
    const soft = (inner: F): F => b.prim('div', inner, b.num(beta));
    const t = a.threshold as number;
    const smooth = soft(b.prim('log1p', b.prim('exp', bx)));
    const numeric = b.prim('where', b.prim('sub', bx, b.num(t)), x, smooth);
    // Symbolic: the textbook log(1 + exp(beta x)) / beta (log1p evaluates accurately in the tail)
    // where PyTorch's linear branch differs from it by less than 1e-9 relative (threshold >= 20,
    // the default: the gap there is log(1 + e^-t) / t); otherwise exactly PyTorch's function.
    return b.alt(numeric, Math.log1p(Math.exp(-t)) / t < 1e-9 ? smooth : numeric);
  },
  {
    beta: { type: 'float', default: 1.0, doc: 'sharpness' },
    threshold: { type: 'float', default: 20.0, doc: 'above beta x > threshold the output is x' },
  },
);

export const softsign = pointwise('softsign', 'nn.Softsign', 'x / (1 + |x|)', (x, b) =>
  b.prim('div', x, b.prim('add', b.num(1), b.prim('abs', x))),
);

export const hardtanh = pointwise(
  'hardtanh',
  'nn.Hardtanh(min_val=min, max_val=max)',
  'min(max(x, min), max)',
  (x, b, a) => b.prim('min', b.prim('max', x, b.num(a.min as number)), b.num(a.max as number)),
  {
    min: { type: 'float', default: -1.0, doc: 'lower bound' },
    max: { type: 'float', default: 1.0, doc: 'upper bound' },
  },
);

export const hardsigmoid = pointwise('hardsigmoid', 'nn.Hardsigmoid', 'min(max(x / 6 + 1/2, 0), 1)', (x, b) =>
  b.prim('min', b.prim('max', b.prim('add', b.prim('div', x, b.num(6)), b.num(0.5)), b.num(0)), b.num(1)),
);

export const relu6 = pointwise('relu6', 'nn.ReLU6', 'min(max(0, x), 6)', (x, b) => b.prim('min', pos(b, x), b.num(6)));

/** x * relu6(x + 3) / 6 */
export const hardswish = pointwise('hardswish', 'nn.Hardswish', 'x * min(max(x + 3, 0), 6) / 6', (x, b) =>
  b.prim('div', b.prim('mul', x, b.prim('min', pos(b, b.prim('add', x, b.num(3))), b.num(6))), b.num(6)),
);

/** log(1 + exp(x)) for every x: max(x, 0) + log1p(exp(-|x|)) (no overflow). */
const softplusStable = (b: FormulaBuilder, x: F): F => b.prim('add', pos(b, x), b.prim('log1p', b.prim('exp', b.prim('neg', b.prim('abs', x)))));

export const mish = pointwise('mish', 'nn.Mish', 'x * tanh(log(1 + exp(x)))', (x, b) => {
  const sp = b.prim('log1p', b.prim('exp', x));
  // Numeric: the stable softplus; symbolic: the textbook log(1 + exp(x)) (equal in value).
  return b.prim('mul', x, b.prim('tanh', b.alt(softplusStable(b, x), sp)));
});

export const logsigmoid = pointwise('logsigmoid', 'nn.LogSigmoid', 'log(sigmoid(x)) = -log(1 + exp(-x))', (x, b) => {
  const textbook = b.prim('neg', b.prim('log1p', b.prim('exp', b.prim('neg', x))));
  // min(x, 0) - log1p(exp(-|x|)): exact for every x (log(sigmoid(-800)) = -800, not -Infinity).
  return b.alt(b.prim('sub', negPart(b, x), b.prim('log1p', b.prim('exp', b.prim('neg', b.prim('abs', x))))), textbook);
});

export const celu = pointwise(
  'celu',
  'nn.CELU(alpha)',
  'max(0, x) + min(0, alpha * (exp(x / alpha) - 1))',
  (x, b, a) => {
    const alpha = a.alpha as number;
    // min(0, alpha (exp(x/alpha) - 1)) = alpha (exp(min(0, x)/alpha) - 1) for alpha > 0, with no overflow.
    const inner = b.prim('sub', b.prim('exp', b.prim('div', negPart(b, x), b.num(alpha))), b.num(1));
    return b.prim('add', pos(b, x), b.prim('mul', b.num(alpha), inner));
  },
  { alpha: { type: 'float', min: Number.MIN_VALUE, default: 1.0, doc: 'scale of the negative branch (> 0)' } },
);

export const tanhshrink = pointwise('tanhshrink', 'nn.Tanhshrink', 'x - tanh(x)', (x, b) => b.prim('sub', x, b.prim('tanh', x)));

export const threshold = pointwise(
  'threshold',
  'nn.Threshold(threshold, value)',
  'x where x > threshold, else value',
  (x, b, a) => b.prim('where', b.prim('sub', x, b.num(a.threshold as number)), x, b.num(a.value as number)),
  {
    threshold: { type: 'float', doc: 'x above it passes' },
    value: { type: 'float', doc: 'the output where x <= threshold' },
  },
);

const lambd = { lambd: { type: 'float', min: 0, default: 0.5, doc: 'half-width of the zeroed band' } } as const;

export const hardshrink = pointwise(
  'hardshrink',
  'nn.Hardshrink(lambd)',
  'x where |x| > lambd, else 0',
  (x, b, a) => b.prim('where', b.prim('sub', b.prim('abs', x), b.num(a.lambd as number)), x, b.num(0)),
  lambd,
);

export const softshrink = pointwise(
  'softshrink',
  'nn.Softshrink(lambd)',
  'x - lambd where x > lambd, x + lambd where x < -lambd, else 0',
  (x, b, a) => {
    const l = a.lambd as number;
    // max(x - l, 0) + min(x + l, 0)
    return b.prim('add', pos(b, b.prim('sub', x, b.num(l))), negPart(b, b.prim('add', x, b.num(l))));
  },
  lambd,
);

/** How prelu's slopes vary: one for all, one per channel (axis 0), or one per element. */
function preluKind(n: number, shape: readonly number[]): 'one' | 'channel' | 'element' | undefined {
  if (n === 1) return 'one';
  if (n === shape[0]) return 'channel';
  if (n === size(shape)) return 'element';
  return undefined;
}

/** PReLU: max(0, x) + weight[c] * min(0, x), one learned slope per channel (axis 0), per element, or one for all. */
export const prelu: OpDef = {
  type: 'prelu',
  torch: 'nn.PReLU(num_parameters, init=0.25)',
  doc: 'max(0, x) + weight * min(0, x): a learned negative slope, one (num_parameters: 1), one per channel (axis 0), or one per element (num_parameters: all elements; weight of the input\'s shape, as Keras\' PReLU)',
  attrs: { num_parameters: { type: 'int', min: 1, default: 1, doc: '1, the number of channels (the size of axis 0), or the number of elements' } },
  arity: { min: 1, max: 1 },
  params: (a, [x]) => {
    const n = a.num_parameters as number;
    const shape = x && x.shape.length > 1 && preluKind(n, x.shape) === 'element' ? [...x.shape] : [n];
    return { weight: { shape, fanIn: 1, init: { fill: 0.25 } } };
  },
  shape(a, [x]) {
    needFloat(x!);
    const n = a.num_parameters as number;
    if (!preluKind(n, x!.shape)) {
      throw new ShapeError(`num_parameters ${n} must be 1, the number of channels (axis 0 of ${fmtShape(x!.shape)}: ${x!.shape[0]}) or of elements (${size(x!.shape)})`);
    }
    return x!;
  },
  formula(a, _ins, out, b) {
    const at = outIndex(out.shape.length);
    const x = b.input(0, at);
    const kind = preluKind(a.num_parameters as number, out.shape);
    const slope = b.param('weight', kind === 'one' ? [0] : kind === 'channel' || out.shape.length === 1 ? [at[0]!] : at);
    return b.prim('add', pos(b, x), b.prim('mul', slope, negPart(b, x)));
  },
};
