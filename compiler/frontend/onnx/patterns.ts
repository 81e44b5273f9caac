/**
 * Pattern recognition: subgraphs exporters write for one PyTorch layer are rewritten into one
 * node of the `layergen` domain before op mapping. Rules form a table; one driver walks the nodes
 * from the last to the first and tries each rule on the node (the pattern's last node). A match
 * whose inner values are used outside it is not taken. Constants are those known statically
 * (initializers and Constant nodes), which is all these patterns need.
 *
 *   GELU     x * 0.5 * (1 + erf(x / sqrt 2)), and the tanh form        -> layergen.gelu
 *   SiLU     x * sigmoid(x)                                             -> layergen.silu
 *   softsign x / (1 + |x|)                                              -> layergen.softsign
 *   softplus softplus(x * beta) / beta                                  -> layergen.softplus
 *   LayerNorm (opset < 17) mean/sub/pow/mean/add eps/sqrt/div [* w + b] -> layergen.layernorm
 *   linear   MatMul(x, W) + b                                           -> layergen.linear
 *   Pad + AveragePool / MaxPool / Conv (zero padding folded into the op's pads)
 *   masked softmax  Softmax(x + M), M a constant of 0 and -inf (a causal mask) -> layergen.masked_softmax
 */
import { FOLDERS } from './fold.js';
import { attrInt, attrInts, attrString, type Attr, type OnnxNode } from './model.js';
import { nums, type Const } from './values.js';

class PatternGraph {
  private readonly producers = new Map<string, OnnxNode>();
  private readonly useCount = new Map<string, number>();
  private readonly consts = new Map<string, Const>();

  constructor(
    nodes: readonly OnnxNode[],
    initializers: ReadonlyMap<string, Const>,
    outputs: readonly string[],
  ) {
    for (const [k, v] of initializers) this.consts.set(k, v);
    // Values read inside If branches count as uses of the enclosing graph's values.
    const countUses = (ns: readonly OnnxNode[]): void => {
      for (const n of ns) {
        for (const i of n.inputs) if (i) this.useCount.set(i, (this.useCount.get(i) ?? 0) + 1);
        for (const a of n.attrs.values()) if (a.type === 'graph') countUses(a.value.nodes), a.value.outputs.forEach((o) => this.useCount.set(o, (this.useCount.get(o) ?? 0) + 1));
      }
    };
    countUses(nodes);
    for (const n of nodes) {
      for (const o of n.outputs) this.producers.set(o, n);
      if (n.opType === 'Constant' && n.outputs[0]) {
        try {
          this.consts.set(n.outputs[0], FOLDERS.Constant!(n, [], 0)[0] as Const);
        } catch {
          // reported when the node is folded
        }
      }
      if (n.opType === 'Identity' && this.consts.has(n.inputs[0] ?? '')) this.consts.set(n.outputs[0]!, this.consts.get(n.inputs[0]!)!);
    }
    for (const o of outputs) this.useCount.set(o, (this.useCount.get(o) ?? 0) + 1);
  }

  /** The node producing `name` when it is of type `op`. */
  node(name: string | undefined, op: string): OnnxNode | undefined {
    const n = name ? this.producers.get(name) : undefined;
    return n && n.opType === op && (n.domain === '' || n.domain === 'ai.onnx') ? n : undefined;
  }

  uses(name: string): number {
    return this.useCount.get(name) ?? 0;
  }

  constant(name: string | undefined): Const | undefined {
    return name ? this.consts.get(name) : undefined;
  }

  /** The value of a one-element float or int constant. */
  scalar(name: string | undefined): number | undefined {
    const c = this.constant(name);
    if (!c || c.data.length !== 1 || c.data[0] === 'N') return undefined;
    return c.data[0] as number;
  }
}

interface Match {
  /** The matched nodes; the last one (the root) is replaced. */
  readonly nodes: readonly OnnxNode[];
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

type Rule = (root: OnnxNode, g: PatternGraph) => Match | undefined;

const near = (x: number | undefined, want: number, tol = 1e-6): boolean => x !== undefined && Math.abs(x - want) <= tol * Math.max(1, Math.abs(want));
const float = (value: number): Attr => ({ type: 'float', value });

/** The factors of a product: operands of nested Mul nodes (the inner ones used only here). */
function factors(root: OnnxNode, g: PatternGraph, nodes: OnnxNode[]): string[] {
  const out: string[] = [];
  const walk = (name: string): void => {
    const m = g.node(name, 'Mul');
    if (m && g.uses(name) === 1) {
      nodes.push(m);
      m.inputs.forEach(walk);
    } else out.push(name);
  };
  root.inputs.forEach(walk);
  return out;
}

/** Splits factors into one scalar constant (the product of those given) and the rest. */
function constPart(fs: readonly string[], g: PatternGraph): { c: number; rest: string[] } {
  let c = 1;
  const rest: string[] = [];
  for (const f of fs) {
    const s = g.scalar(f);
    if (s !== undefined) c *= s;
    else rest.push(f);
  }
  return { c, rest };
}

/** The other operand of a binary node, given one operand's name. */
function other(n: OnnxNode, name: string): string | undefined {
  if (n.inputs[0] === name) return n.inputs[1];
  if (n.inputs[1] === name) return n.inputs[0];
  return undefined;
}

/** Add(1, y) in either order: y's name. */
function plusOne(n: OnnxNode | undefined, g: PatternGraph): string | undefined {
  if (!n) return undefined;
  if (near(g.scalar(n.inputs[0]), 1, 0)) return n.inputs[1];
  if (near(g.scalar(n.inputs[1]), 1, 0)) return n.inputs[0];
  return undefined;
}

const gelu: Rule = (root, g): Match | undefined => {
  if (root.opType !== 'Mul') return undefined;
  const nodes: OnnxNode[] = [];
  const { c, rest } = constPart(factors(root, g, nodes), g);
  if (!near(c, 0.5) || rest.length !== 2) return undefined;
  for (const [x, y] of [[rest[0]!, rest[1]!], [rest[1]!, rest[0]!]] as const) {
    const add = g.node(y, 'Add');
    const inner = plusOne(add, g);
    const erf = g.node(inner, 'Erf');
    if (erf) {
      const div = g.node(erf.inputs[0], 'Div');
      const mul = g.node(erf.inputs[0], 'Mul');
      const ok = div ? div.inputs[0] === x && near(g.scalar(div.inputs[1]), Math.SQRT2) : mul ? near(g.scalar(other(mul, x) ?? ''), Math.SQRT1_2) : false;
      if (ok) return { nodes: [(div ?? mul)!, erf, add!, ...nodes, root], opType: 'gelu', inputs: [x], attrs: {} } as Match;
    }
    const tanh = g.node(inner, 'Tanh');
    if (tanh) {
      const scaleNodes: OnnxNode[] = [];
      const scaled = g.node(tanh.inputs[0], 'Mul');
      if (!scaled) continue;
      const s = constPart(factors(scaled, g, scaleNodes), g);
      const sum = s.rest.length === 1 ? g.node(s.rest[0], 'Add') : undefined;
      if (!sum || !near(s.c, Math.sqrt(2 / Math.PI)) || !sum.inputs.includes(x)) continue;
      const cubeNode = g.node(other(sum, x), 'Mul');
      if (!cubeNode) continue;
      const cubeNodes: OnnxNode[] = [];
      const cube = constPart(factors(cubeNode, g, cubeNodes), g);
      if (!near(cube.c, 0.044715) || cube.rest.length !== 3 || cube.rest.some((f) => f !== x)) continue;
      return {
        nodes: [...cubeNodes, cubeNode, sum, ...scaleNodes, scaled, tanh, add!, ...nodes, root],
        opType: 'gelu',
        inputs: [x],
        attrs: { approximate: { type: 'string', value: 'tanh' } },
      };
    }
  }
  return undefined;
};

const silu: Rule = (root, g) => {
  if (root.opType !== 'Mul') return undefined;
  for (const [x, y] of [[root.inputs[0], root.inputs[1]], [root.inputs[1], root.inputs[0]]] as const) {
    const sig = g.node(y, 'Sigmoid');
    if (sig && sig.inputs[0] === x) return { nodes: [sig, root], opType: 'silu', inputs: [x!], attrs: {} };
  }
  return undefined;
};

const softsign: Rule = (root, g) => {
  if (root.opType !== 'Div') return undefined;
  const x = root.inputs[0]!;
  const add = g.node(root.inputs[1], 'Add');
  const abs = g.node(plusOne(add, g), 'Abs');
  if (abs && abs.inputs[0] === x) return { nodes: [abs, add!, root], opType: 'softsign', inputs: [x], attrs: {} };
  return undefined;
};

const softplus: Rule = (root, g) => {
  if (root.opType !== 'Div') return undefined;
  const beta = g.scalar(root.inputs[1]);
  const sp = g.node(root.inputs[0], 'Softplus');
  const mul = g.node(sp?.inputs[0], 'Mul');
  if (beta === undefined || !sp || !mul) return undefined;
  for (const [x, b] of [[mul.inputs[0], mul.inputs[1]], [mul.inputs[1], mul.inputs[0]]] as const) {
    if (g.scalar(b) === beta) return { nodes: [mul, sp, root], opType: 'softplus', inputs: [x!], attrs: { beta: float(beta) } };
  }
  return undefined;
};

/** Axes of a ReduceMean (attribute before opset 18, input from 18). */
function meanAxes(n: OnnxNode, g: PatternGraph): readonly number[] | undefined {
  if (n.inputs[1]) {
    const c = g.constant(n.inputs[1]);
    return c ? nums(c) : undefined;
  }
  return n.attrs.has('axes') ? attrInts(n, 'axes') : undefined;
}

const layernorm: Rule = (root, g) => {
  let div = root.opType === 'Div' ? root : undefined;
  let mul: OnnxNode | undefined;
  let weight: string | undefined;
  let bias: string | undefined;
  if (root.opType === 'Add') {
    mul = g.node(root.inputs[0], 'Mul') ?? g.node(root.inputs[1], 'Mul');
    bias = mul ? other(root, mul.outputs[0]!) : undefined;
    if (!mul || !g.constant(bias)) return undefined;
    div = g.node(mul.inputs[0], 'Div') ?? g.node(mul.inputs[1], 'Div');
    weight = div ? other(mul, div.outputs[0]!) : undefined;
    if (!div || !g.constant(weight)) return undefined;
  }
  if (!div) return undefined;
  const sub = g.node(div.inputs[0], 'Sub');
  const sqrt = g.node(div.inputs[1], 'Sqrt');
  const addEps = g.node(sqrt?.inputs[0], 'Add');
  if (!sub || !sqrt || !addEps) return undefined;
  const x = sub.inputs[0]!;
  const mean = g.node(sub.inputs[1], 'ReduceMean');
  const varNode = g.node(addEps.inputs[0], 'ReduceMean') ?? g.node(addEps.inputs[1], 'ReduceMean');
  const eps = varNode ? g.scalar(other(addEps, varNode.outputs[0]!)) : undefined;
  const pow = g.node(varNode?.inputs[0], 'Pow');
  const sq = pow ? undefined : g.node(varNode?.inputs[0], 'Mul');
  if (!mean || mean.inputs[0] !== x || !varNode || eps === undefined) return undefined;
  if (pow ? pow.inputs[0] !== sub.outputs[0] || g.scalar(pow.inputs[1]) !== 2 : !sq || sq.inputs[0] !== sub.outputs[0] || sq.inputs[1] !== sub.outputs[0]) return undefined;
  const axes = [meanAxes(mean, g), meanAxes(varNode, g)];
  const same = (a: readonly number[] | undefined): boolean => !!a && a.length > 0 && a.join() === axes[0]!.join();
  if (!axes.every(same) || attrInt(mean, 'keepdims', 1) !== 1 || attrInt(varNode, 'keepdims', 1) !== 1) return undefined;
  return {
    nodes: [mean, sub, (pow ?? sq)!, varNode, addEps, sqrt, div, ...(mul ? [mul, root] : [])],
    opType: 'layernorm',
    inputs: [x, ...(weight && bias ? [weight, bias] : [])],
    // The mapper checks that the axes are the trailing ones (LayerNormalization's axis .. end).
    attrs: { axes: { type: 'ints', value: [...axes[0]!] }, epsilon: float(eps) },
  };
};

const linear: Rule = (root, g) => {
  if (root.opType !== 'Add') return undefined;
  for (const [a, b] of [[root.inputs[0], root.inputs[1]], [root.inputs[1], root.inputs[0]]] as const) {
    const mm = g.node(a, 'MatMul');
    if (mm && g.constant(mm.inputs[1]) && g.constant(b)) return { nodes: [mm, root], opType: 'linear', inputs: [mm.inputs[0]!, mm.inputs[1]!, b!], attrs: {} };
  }
  return undefined;
};

/** Pad (constant mode, zeros) before a pooling or conv node: folded into the node's pads. */
const padBefore: Rule = (root, g) => {
  if (!['AveragePool', 'MaxPool', 'Conv'].includes(root.opType)) return undefined;
  const pad = g.node(root.inputs[0], 'Pad');
  if (!pad || g.uses(pad.outputs[0]!) !== 1 || attrString(pad, 'mode', 'constant') !== 'constant') return undefined;
  const padsConst = pad.inputs[1] ? g.constant(pad.inputs[1]) : undefined;
  const pads = padsConst ? nums(padsConst) : pad.attrs.has('pads') ? [...attrInts(pad, 'pads')] : undefined;
  const value = pad.inputs[2] ? g.scalar(pad.inputs[2]) : 0;
  if (!pads || value !== 0 || root.opType === 'MaxPool' || pad.inputs[3]) return undefined;
  const r = pads.length / 2;
  const spatial = r - 2;
  if (spatial < 1 || pads[0] !== 0 || pads[1] !== 0 || pads[r] !== 0 || pads[r + 1] !== 0) return undefined;
  const own = root.attrs.has('pads') ? attrInts(root, 'pads') : new Array<number>(2 * spatial).fill(0);
  const merged = [...pads.slice(2, r), ...pads.slice(r + 2)].map((p, i) => p + own[i]!);
  const attrs: Record<string, Attr> = Object.fromEntries(root.attrs);
  attrs.pads = { type: 'ints', value: merged };
  if (root.opType === 'AveragePool') attrs.count_include_pad = { type: 'int', value: 1 };
  return { nodes: [pad, root], opType: root.opType, inputs: [pad.inputs[0]!, ...root.inputs.slice(1)], attrs };
};

/** Longer patterns first: a LayerNorm ends in an Add that `linear` would not take anyway. */
/** Softmax(x + M) with M a constant of only 0 and -inf (attention's causal mask): a softmax over M's 0 entries. */
const maskedSoftmax: Rule = (root, g) => {
  if (root.opType !== 'Softmax') return undefined;
  const add = g.node(root.inputs[0], 'Add');
  if (!add) return undefined;
  for (const [x, m] of [[add.inputs[0], add.inputs[1]], [add.inputs[1], add.inputs[0]]] as const) {
    const c = g.constant(m);
    if (!c || c.dtype !== 'float') continue;
    const v = nums(c);
    if (!v.includes(-Infinity) || !v.every((z) => z === 0 || z === -Infinity)) continue;
    return { nodes: [add, root], opType: 'masked_softmax', inputs: [x!, m!], attrs: Object.fromEntries(root.attrs) };
  }
  return undefined;
};

const RULES: readonly Rule[] = [layernorm, gelu, linear, silu, softsign, softplus, padBefore, maskedSoftmax];

/** Rewrites every match; the new node takes the root's place and outputs, in the `layergen` domain. */
export function rewritePatterns(nodes: readonly OnnxNode[], initializers: ReadonlyMap<string, Const>, outputs: readonly string[]): OnnxNode[] {
  const g = new PatternGraph(nodes, initializers, outputs);
  const removed = new Set<OnnxNode>();
  const replaced = new Map<OnnxNode, OnnxNode>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const root = nodes[i]!;
    if (removed.has(root) || replaced.has(root)) continue;
    for (const rule of RULES) {
      const m = rule(root, g);
      if (!m || !selfContained(m, g) || m.nodes.some((n) => removed.has(n) || replaced.has(n))) continue;
      for (const n of m.nodes) if (n !== root) removed.add(n);
      const first = m.nodes[0]!;
      replaced.set(root, {
        name: first.name,
        opType: m.opType,
        domain: m.opType === root.opType ? root.domain : 'layergen',
        inputs: m.inputs,
        outputs: root.outputs,
        attrs: new Map(Object.entries(m.attrs)),
      });
      break;
    }
  }
  return nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
}

/** Values made inside a match (except the root's outputs) must not be used outside it. */
function selfContained(m: Match, g: PatternGraph): boolean {
  const root = m.nodes[m.nodes.length - 1]!;
  const inside = new Map<string, number>();
  for (const n of m.nodes) for (const i of n.inputs) if (i) inside.set(i, (inside.get(i) ?? 0) + 1);
  return m.nodes.every((n) => n === root || n.outputs.every((o) => !o || g.uses(o) === (inside.get(o) ?? 0)));
}
