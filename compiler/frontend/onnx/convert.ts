/**
 * The import driver: ONNX model -> layergen net draft. Inputs lose their batch axis; nodes run in
 * order, each either folded (all inputs known: fold.ts) or mapped to layers (mappers/*.ts), after
 * pattern rewriting (patterns.ts). A node that cannot be imported is recorded as a problem and
 * its outputs poisoned, so one run lists every unsupported op, not only the first.
 */
import { LayergenError, LayergenErrors } from '../../errors.js';
import { FOLDERS, SHAPE_ONLY } from './fold.js';
import { MAPPERS, type Cx } from './mappers/index.js';
import { NodeError, attrGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from './model.js';
import { NetBuilder, whole } from './net.js';
import { rewritePatterns } from './patterns.js';
import { fmt, unbatched, type Const, type Fill, type Source, type Tensor, type Value } from './values.js';

export interface Problem {
  /** The node's name, or `input x` / `output y`. */
  readonly where: string;
  readonly op: string;
  readonly message: string;
}

export interface Converted {
  readonly net: NetBuilder;
  /** Graph outputs in order: ONNX name and the layer that computes it. */
  readonly outputs: readonly { readonly onnxName: string; readonly src: Source; readonly batchAxis?: number }[];
  readonly problems: readonly Problem[];
}

/** Opsets the importer knows the semantics of (what torch.onnx.export writes and a little around it). */
export const OPSETS = { min: 7, max: 18 } as const;

export interface ConvertOptions {
  /**
   * The batch is fixed (`--shape` without N): every input keeps its whole ONNX shape as the
   * per-example shape, and shapes fold to numbers, so that Ifs on the batch size are decided.
   */
  readonly fixedBatch?: boolean;
  /** A suggestion for fixing the batch, shown where something depends on it (`--shape input=1,512`). */
  readonly batchHint?: string;
}

export function convert(model: OnnxModel, opts: ConvertOptions = {}): Converted {
  const net = new NetBuilder();
  const problems: Problem[] = [];
  const env = new Map<string, Value>(model.initializers);
  const fixed = opts.fixedBatch === true;
  const staticBatch = !fixed && model.inputs.some((i) => i.dims && i.dims.length > 0 && i.dims.every((d) => typeof d === 'number'));

  for (const info of model.inputs) {
    try {
      env.set(info.name, fixed ? fixedInput(net, info) : inputValue(net, info));
    } catch (e) {
      if (!(e instanceof NodeError)) throw e;
      problems.push({ where: `input "${info.name}"`, op: 'input', message: e.message });
      env.set(info.name, { kind: 'poison' });
    }
  }

  const run = { model, net, staticBatch, fixed, batchHint: opts.batchHint, problems };
  runGraph(model.nodes, model.initializers, model.outputs.map((o) => o.name), env, run, 0);

  const outputs: { onnxName: string; src: Source; batchAxis: number }[] = [];
  const taken = new Set<number>(net.inputs.map((i) => i.id));
  for (const o of model.outputs) {
    const v = env.get(o.name);
    const where = `output "${o.name}"`;
    try {
      if (!v) throw new NodeError('is not computed by any node');
      if (v.kind === 'poison') {
        if (v.reason) problems.push({ where, op: 'output', message: v.reason });
        continue;
      }
      if (v.kind !== 'tensor') throw new NodeError('is a constant; layergen nets compute their outputs from their inputs');
      let src = net.materialize(v, where);
      // Each output is a layer of its own name: an input, or a layer already named for another output, gets an identity layer.
      if (taken.has(src.id)) src = net.add('identity', [src], {}, {}, 'identity', where);
      taken.add(src.id);
      outputs.push({ onnxName: o.name, src, batchAxis: Math.max(v.batchAxis, 0) });
    } catch (e) {
      if (!(e instanceof NodeError)) throw e;
      problems.push({ where, op: 'output', message: e.message });
    }
  }
  for (const l of net.live(outputs.map((o) => o.src))) {
    if (l.invalid) problems.push({ where: `node ${JSON.stringify(l.node)}`, op: l.type, message: l.invalid });
  }
  return { net, outputs, problems };
}

interface Run {
  readonly model: OnnxModel;
  readonly net: NetBuilder;
  readonly staticBatch: boolean;
  readonly fixed: boolean;
  readonly batchHint: string | undefined;
  readonly problems: Problem[];
}

/**
 * Runs a graph's nodes in order (patterns rewritten first). An If whose condition is known
 * runs the taken branch in place (its nodes read and write the same values, as ONNX scoping
 * allows: names are unique across a model), so nested Ifs inline recursively; an If on a run-time
 * or batch-dependent condition is an error naming the node.
 */
function runGraph(nodes0: readonly OnnxNode[], initializers: ReadonlyMap<string, Const>, outputs: readonly string[], env: Map<string, Value>, run: Run, depth: number): void {
  const consts = new Map<string, Const>([...env].filter((e): e is [string, Const] => e[1].kind === 'const'));
  for (const [k, v] of initializers) consts.set(k, v);
  for (const [k, v] of initializers) env.set(k, v);
  const nodes = rewritePatterns(nodes0, consts, outputs);
  for (const node of nodes) {
    const ins = node.inputs.map((name) => (name === '' ? undefined : env.get(name)));
    if (node.opType === 'If' && (node.domain === '' || node.domain === 'ai.onnx')) {
      runIf(node, ins, env, run, depth);
      continue;
    }
    const outs = runNode(node, run.fixed ? ins.map((v) => (v?.kind === 'tensor' ? unbatched(v) : v)) : ins, run);
    node.outputs.forEach((o, i) => o && env.set(o, outs[i] ?? { kind: 'poison', reason: `output ${i} of ${node.opType} is not supported` }));
  }
}

function runIf(node: OnnxNode, ins: readonly (Value | undefined)[], env: Map<string, Value>, run: Run, depth: number): void {
  const poison = (message?: string): void => {
    if (message) run.problems.push({ where: `node ${JSON.stringify(node.name)}`, op: 'If', message });
    node.outputs.forEach((o) => o && env.set(o, { kind: 'poison' }));
  };
  const cond = ins[0];
  if (!cond) return poison(`condition "${node.inputs[0] ?? ''}" is not produced by any node, initializer or graph input`);
  if (cond.kind === 'poison') return poison(); // the cause is reported where it arose
  if (cond.kind === 'tensor') {
    return poison('the condition is computed from the net inputs at run time; layergen decides an If at import time: fix the input it depends on with --const NAME=VALUE (or --shape)');
  }
  if (cond.kind === 'fill' || cond.data.length !== 1) return poison(`the condition has shape ${fmt(cond.kind === 'fill' ? cond.dims : cond.shape)}; If takes one value`);
  const v = cond.data[0]!;
  if (v === 'N') return poison(`the condition is the batch size itself; ${fixHint(run)}`);
  let branch;
  try {
    branch = attrGraph(node, v !== 0 ? 'then_branch' : 'else_branch');
  } catch (e) {
    if (e instanceof NodeError) return poison(e.message);
    throw e;
  }
  if (branch.outputs.length !== node.outputs.length) return poison(`the ${v !== 0 ? 'then' : 'else'} branch has ${branch.outputs.length} outputs for ${node.outputs.length}`);
  runGraph(branch.nodes, branch.initializers, branch.outputs, env, run, depth + 1);
  node.outputs.forEach((o, i) => o && env.set(o, env.get(branch.outputs[i]!) ?? { kind: 'poison', reason: `output ${i} of If "${node.name}", which its branch does not compute` }));
}

/** What to do about a value computed from a symbolic batch size; `op`: where it was met. */
const fixHint = (run: Run, op = 'If'): string => {
  if (run.fixed) return 'it cannot be decided';
  const fix = `fix the batch size${run.batchHint ? ` (e.g. ${run.batchHint})` : ' with --shape'}`;
  // Comparisons feed Ifs; arithmetic on the batch size builds shapes that merge the batch with other axes (attention's batch x heads).
  const COMPARE = new Set(['If', 'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'And', 'Or', 'Where']);
  if (op === 'Reshape') return `the model merges the batch with another axis (such as batch x heads in attention), which layergen cannot keep apart: ${fix}`;
  return COMPARE.has(op)
    ? `an If on it cannot be decided for a symbolic batch: ${fix}`
    : `the model computes a shape from it (such as batch x heads in attention), which layergen cannot keep symbolic: ${fix}`;
};

function runNode(node: OnnxNode, ins: readonly (Value | undefined)[], run: Run): Value[] {
  const { model, net, staticBatch, problems } = run;
  const problem = (message: string): Value[] => {
    problems.push({ where: `node ${JSON.stringify(node.name)}`, op: node.opType, message: /of the batch size cannot be folded|does not keep the batch axis/.test(message) ? `${message}; ${fixHint(run, node.opType)}` : message });
    return node.outputs.map(() => ({ kind: 'poison' }));
  };
  const domain = node.domain === 'ai.onnx' ? '' : node.domain;
  const key = domain === 'layergen' ? `layergen.${node.opType}` : domain === '' ? node.opType : `${domain}.${node.opType}`;
  const poisoned = ins.filter((v): v is Extract<Value, { kind: 'poison' }> => v?.kind === 'poison');
  if (poisoned.length) {
    // An unsupported op is reported even after an earlier one, so that one run lists them all.
    if (!MAPPERS[key] && !(domain === '' && FOLDERS[node.opType])) return problem(unsupported(node, domain, false));
    // Report the first use of an output nobody could import; otherwise the cause is reported already.
    for (const p of poisoned) if (p.reason) problems.push({ where: `node ${JSON.stringify(node.name)}`, op: node.opType, message: `uses ${p.reason}` });
    return node.outputs.map(() => ({ kind: 'poison' }));
  }
  node.inputs.forEach((name, i) => {
    if (name !== '' && ins[i] === undefined) problems.push({ where: `node ${JSON.stringify(node.name)}`, op: node.opType, message: `input "${name}" is not produced by any node, initializer or graph input` });
  });
  const known = ins.every((v) => v === undefined || v.kind === 'const' || v.kind === 'fill');
  try {
    if (domain === '' && FOLDERS[node.opType] && (known || SHAPE_ONLY.has(node.opType))) {
      return FOLDERS[node.opType]!(node, ins, model.opset);
    }
    const mapper = MAPPERS[key];
    if (!mapper) return problem(unsupported(node, domain, known));
    return mapper(cx(node, ins, model.opset, net, staticBatch));
  } catch (e) {
    if (e instanceof NodeError) return problem(e.message);
    throw e;
  }
}

function unsupported(node: OnnxNode, domain: string, onConstants: boolean): string {
  const what = domain !== '' && domain !== 'layergen' ? `op ${node.opType} of domain "${domain}"` : `op ${node.opType}`;
  return `unsupported ${what}${onConstants ? ' (on constants)' : ''}`;
}

function cx(node: OnnxNode, ins: readonly (Value | undefined)[], opset: number, net: NetBuilder, staticBatch: boolean): Cx {
  return {
    node,
    opset,
    net,
    staticBatch,
    ins,
    has: (i) => ins[i] !== undefined,
    tensor(i) {
      const v = ins[i];
      if (!v || v.kind !== 'tensor') throw new NodeError(`input ${i} must be computed from the net's inputs${v ? ' (it is a constant)' : ' (it is missing)'}`);
      return v;
    },
    known(i) {
      const v = ins[i];
      return v && (v.kind === 'const' || v.kind === 'fill') ? (v as Const | Fill) : undefined;
    },
    constant(i, what) {
      const v = ins[i];
      if (!v || v.kind !== 'const') throw new NodeError(`${what} (input ${i}) must be a constant${v?.kind === 'tensor' ? ', not computed from the net inputs' : ''}`);
      return v;
    },
    hint: (type) => hintOf(node.name, type),
  };
}

/** A name suggestion from a PyTorch export's node name: "/encoder/layers.0/Conv" -> "encoder_layers_0". */
export function hintOf(nodeName: string, type: string): string {
  const parts = nodeName.split('/').filter(Boolean);
  if (parts.length < 2) return type;
  const path = parts
    .slice(0, -1)
    .filter((p, i, a) => !(a[i + 1] ?? '').startsWith(`${p}.`))
    .join('_');
  // A Sequential's children are numbered: "/0/Gemm" -> "linear_0".
  return !path ? type : /^[0-9]/.test(path) ? `${type}_${path}` : path;
}

/** A graph input of a fixed-batch import: its whole ONNX shape, every dimension known. */
function fixedInput(net: NetBuilder, info: OnnxValueInfo): Tensor {
  if (info.elemType !== 'float' && info.elemType !== 'int') throw new NodeError(`has type ${info.typeName}; layergen inputs are float or int tensors`);
  const dims = info.dims;
  if (!dims || dims.some((d) => typeof d !== 'number')) {
    throw new NodeError(`shape ${dims ? fmt(dims) : '(unknown)'} is not fully known, but the batch is fixed: give every dimension with --shape ${info.name}=...`);
  }
  const shape = dims.length ? (dims as number[]) : [1];
  const src = net.addInput(info.name, shape, info.elemType);
  return whole(src, dims as number[], -1);
}

/** A graph input: its batch axis (the dynamic one, or a leading 1) dropped. */
function inputValue(net: NetBuilder, info: OnnxValueInfo): Tensor {
  if (info.elemType !== 'float' && info.elemType !== 'int') throw new NodeError(`has type ${info.typeName}; layergen inputs are float or int tensors`);
  const dims = info.dims;
  if (!dims || dims.length === 0) {
    throw new NodeError(`has no known shape (a tensor with a batch axis and at least one more axis is needed); a scalar such as a sample rate can be fixed with --const ${info.name}=VALUE`);
  }
  const dynamic = dims.flatMap((d, i) => (typeof d !== 'number' ? [i] : []));
  if (dynamic.length > 1) {
    const eg = dims.map((d, i) => (i === dynamic[0] ? 'N' : typeof d === 'number' ? d : 'SIZE')).join(',');
    throw new NodeError(`shape ${fmt(dims)} has ${dynamic.length} dynamic dimensions; only the batch dimension may be dynamic: fix the others with --shape ${info.name}=${eg} (N marks the batch axis)`);
  }
  const batchAxis = dynamic.length === 1 ? dynamic[0]! : dims[0] === 1 ? 0 : -1;
  if (batchAxis < 0) throw new NodeError(`shape ${fmt(dims)} has no batch dimension (a dynamic dimension, or a leading 1): export with dynamic_axes={"${info.name}": {0: "batch"}} or a batch of 1`);
  const shape = dims.filter((_, i) => i !== batchAxis) as number[];
  if (shape.length === 0) throw new NodeError(`shape ${fmt(dims)} has nothing but the batch dimension; layergen inputs have at least one axis per example`);
  const src = net.addInput(info.name, shape, info.elemType, batchAxis);
  return whole(src, shape, batchAxis);
}

/** The problems as one error message, every one on its own line; `what` names the unsupported things (ONNX ops, Keras layers). */
export function problemsError(file: string, problems: readonly Problem[], what = 'ops'): LayergenError {
  const lines = problems.map((p) => `  ${p.where} (${p.op}): ${p.message}`);
  const unsupported = [...new Set(problems.filter((p) => p.message.startsWith('unsupported')).map((p) => p.op))];
  const head = `cannot import: ${problems.length} problem${problems.length === 1 ? '' : 's'}${unsupported.length ? ` (unsupported ${what}: ${unsupported.join(', ')})` : ''}`;
  const each = problems.map((p) => new LayergenError(`${p.where} (${p.op}): ${p.message}`, { file }));
  return new LayergenErrors(each, { detail: `${head}\n${lines.join('\n')}`, place: { file } });
}
