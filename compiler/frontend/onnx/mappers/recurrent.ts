/**
 * ONNX RNN / LSTM / GRU -> layergen rnn / lstm / gru. PyTorch's stacked layers arrive as a chain
 * of one-layer ONNX ops (each reading the previous one's Y, its initial states rows of the same
 * h0 / c0); a chain is merged back into one layer with `layers: L`, as PyTorch had it, so that
 * h0 / c0 stay whole inputs (layergen cannot slice them). Weights are reordered from ONNX's
 * gate order (LSTM i,o,f,c; GRU z,r,h) to PyTorch's (i,f,g,o; r,z,n); B = [Wb | Rb] splits into
 * bias_ih / bias_hh. Y ([T, D, N, H]) is the `return: sequence` layer's output [T, D*H] seen in
 * ONNX's shape; Y_h ([D, N, H]) is a `return: last` layer's [D*H]. The sequence's last step
 * aliases the final states, so `y[:, -1]` of a forward layer reads the `last` layer.
 * direction="reverse" is a `reverse: true` layer (its Y row t is the state after steps T-1..t, its
 * final state Y row 0; a chain of reverse ops, each reading the previous one's Y, is a stacked
 * reverse layer); GRU linear_before_reset = 0 is `reset_after: false`.
 */
import { NodeError, attrFloats, attrInt, attrString, attrStrings } from '../model.js';
import { batchAt, dimsOf, fmt, nums, size, type Const, type Fill, type Seg, type Source, type Tensor, type Value } from '../values.js';
import { isWhole, type ParamTensor } from '../net.js';
import { result, type Cx, type Mapper } from './common.js';

type Kind = 'rnn' | 'lstm' | 'gru';

/** Per kind: gates, ONNX -> PyTorch gate order, default activations, state outputs. */
const KINDS: Readonly<Record<Kind, { gates: number; order: readonly number[]; acts: readonly string[] }>> = {
  rnn: { gates: 1, order: [0], acts: ['tanh'] },
  lstm: { gates: 4, order: [0, 2, 3, 1], acts: ['sigmoid', 'tanh', 'tanh'] },
  gru: { gates: 3, order: [1, 0, 2], acts: ['sigmoid', 'tanh'] },
};

/** Rows of gate blocks [G*H, cols] reordered (ONNX -> PyTorch), for direction `d` of a [D, G*H, cols] tensor. */
function gateRows(c: Const, d: number, gates: number, h: number, order: readonly number[]): Float64Array {
  const cols = size(c.shape.slice(2));
  const per = gates * h * cols;
  const v = nums(c, 'weight');
  const out = new Float64Array(per);
  order.forEach((g, k) => out.set(v.slice(d * per + g * h * cols, d * per + (g + 1) * h * cols), k * h * cols));
  return out;
}

/** Which activation names a node uses (lower case), checked against what layergen computes. */
function activations(cx: Cx, kind: Kind, dirs: number): string {
  const given = attrStrings(cx.node, 'activations')?.map((a) => a.toLowerCase());
  if (attrFloats(cx.node, 'activation_alpha') || attrFloats(cx.node, 'activation_beta')) throw new NodeError('activation_alpha / activation_beta are not supported');
  const want = KINDS[kind].acts;
  if (!given) return 'tanh';
  const per = given.length / dirs;
  for (let d = 0; d < dirs; d++) {
    const acts = given.slice(d * per, (d + 1) * per);
    if (kind === 'rnn' && acts.length === 1 && (acts[0] === 'tanh' || acts[0] === 'relu')) continue;
    if (acts.join() !== want.join()) throw new NodeError(`activations [${given.join(', ')}]: layergen's ${kind} uses [${want.join(', ')}]${kind === 'rnn' ? ' or [relu]' : ''}`);
  }
  if (kind === 'rnn' && given.some((a) => a !== given[0])) throw new NodeError('different activations per direction');
  return given[0]!;
}

/** An initial state input: none when absent or zeros; else the segments of a [D, H] per-example tensor. */
function initialState(cx: Cx, i: number, what: string, d: number, h: number, batchAxis: number): readonly Seg[] | undefined {
  if (!cx.has(i)) return undefined;
  const v = cx.ins[i]!;
  if (v.kind === 'const' || v.kind === 'fill') {
    if ((v as Const | Fill).kind === 'fill' ? (v as Fill).value === 0 : (v as Const).data.every((x) => x === 0)) return undefined;
    throw new NodeError(`${what} is a non-zero constant; layergen takes initial states as net inputs (or zeros)`);
  }
  const t = batchAt(cx.tensor(i), batchAxis, what);
  if (t.shape.join() !== [d, h].join() || t.batchAxis !== batchAxis) throw new NodeError(`${what} of shape ${fmt(dimsOf(t))}: expected ${fmt(batchAxis === 1 ? [d, 'N', h] : ['N', d, h])}`);
  return t.segs;
}

/** What a recurrent layer draft was made of, so that the next op of a chain can extend it. */
interface Chain {
  readonly kind: Kind;
  readonly key: string;
  readonly layers: number;
  readonly input: Source;
  readonly params: Readonly<Record<string, ParamTensor>>;
  readonly init: Readonly<Record<string, readonly Seg[]>>;
  /** The name suggestion of the chain's first op (PyTorch's module). */
  readonly hint: string;
}
const chains = new WeakMap<Source, Chain>();

/** The chain `x` continues: x is exactly the previous op's sequence, and the initial states continue too. */
function previous(x: Tensor, key: string, init: Readonly<Record<string, readonly Seg[]>>): Chain | undefined {
  const s = x.segs.length === 1 && isWhole(x.segs[0]!) ? x.segs[0]!.src : undefined;
  const prev = s ? chains.get(s) : undefined;
  if (!prev || prev.key !== key) return undefined;
  const states = new Set([...Object.keys(prev.init), ...Object.keys(init)]);
  for (const st of states) {
    const a = prev.init[st];
    const b = init[st];
    if (!a || !b) return undefined; // zeros for some layers only: keep a chain of layers
    const end = a[a.length - 1]!;
    if (b[0]!.src !== end.src || b[0]!.offset !== end.offset + end.length) return undefined;
  }
  return prev;
}

function recurrent(kind: Kind): Mapper {
  return (cx) => {
    const n = cx.node;
    const { gates, order } = KINDS[kind];
    const h = attrInt(n, 'hidden_size');
    const direction = attrString(n, 'direction', 'forward');
    if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') throw new NodeError(`unknown direction "${direction}"`);
    const D = direction === 'bidirectional' ? 2 : 1;
    const reverse = direction === 'reverse';
    const layout = attrInt(n, 'layout', 0);
    const batchAxis = layout === 0 ? 1 : 0;
    if (n.attrs.has('clip')) throw new NodeError('cell clipping (clip) is not supported');
    if (kind === 'lstm' && attrInt(n, 'input_forget', 0) !== 0) throw new NodeError('input_forget = 1 (coupled input and forget gates) is not supported');
    const lbr = kind === 'gru' ? attrInt(n, 'linear_before_reset', 0) : 1;
    if (lbr !== 0 && lbr !== 1) throw new NodeError(`linear_before_reset = ${lbr} (expected 0 or 1)`);
    // linear_before_reset = 1 is PyTorch's GRU (reset gate after the recurrent map); 0 is reset_after: false
    const resetAfter = lbr === 1;
    const act = activations(cx, kind, D);

    const x = batchAt(cx.tensor(0), batchAxis, 'input X');
    if (x.shape.length !== 2 || x.batchAxis !== batchAxis) throw new NodeError(`input X of shape ${fmt(dimsOf(x))}: expected ${layout === 0 ? '[T, N, features]' : '[N, T, features]'}`);
    const [T, F] = x.shape as [number, number];
    if (cx.has(4)) {
      const lens = cx.known(4);
      if (!lens || (lens.kind === 'const' ? !lens.data.every((l) => l === T) : lens.value !== T)) throw new NodeError('sequence_lens other than the full length');
    }
    if (kind === 'lstm' && cx.has(7)) {
      const p = cx.known(7);
      if (!p || (p.kind === 'const' ? !p.data.every((v) => v === 0) : p.value !== 0)) throw new NodeError('peephole weights (P) are not supported');
    }
    const W = cx.constant(1, 'W');
    const R = cx.constant(2, 'R');
    const B = cx.has(3) ? cx.constant(3, 'B') : null;
    const G = gates * h;
    if (W.shape.join() !== [D, G, F].join() || R.shape.join() !== [D, G, h].join() || (B && B.shape.join() !== [D, 2 * G].join())) {
      throw new NodeError(`weights W ${fmt(W.shape)}, R ${fmt(R.shape)}${B ? `, B ${fmt(B.shape)}` : ''} do not fit hidden_size ${h}, ${D} direction(s), ${F} input features`);
    }
    const own: Record<string, ParamTensor> = {};
    for (let d = 0; d < D; d++) {
      const s = `_l0${d === 1 ? '_reverse' : ''}`;
      own[`weight_ih${s}`] = { shape: [G, F], data: gateRows(W, d, gates, h, order) };
      own[`weight_hh${s}`] = { shape: [G, h], data: gateRows(R, d, gates, h, order) };
      if (B) {
        const both = gateRows({ ...B, shape: [D, 2 * G, 1] }, d, 2 * gates, h, [...order, ...order.map((g) => g + gates)]);
        own[`bias_ih${s}`] = { shape: [G], data: both.slice(0, G) };
        own[`bias_hh${s}`] = { shape: [G], data: both.slice(G) };
      }
    }
    const ownInit: Record<string, readonly Seg[]> = {};
    const h0 = initialState(cx, 5, 'initial_h', D, h, batchAxis);
    if (h0) ownInit.h = h0;
    const c0 = kind === 'lstm' ? initialState(cx, 6, 'initial_c', D, h, batchAxis) : undefined;
    if (c0) ownInit.c = c0;

    // Extend the chain this op continues (a PyTorch stacked layer), or start one.
    const key = `${kind}:${h}:${direction}:${B !== null}:${act}:${resetAfter}:${T}`;
    const prev = previous(x, key, ownInit);
    const l = prev ? prev.layers : 0;
    const params = { ...(prev?.params ?? {}), ...Object.fromEntries(Object.entries(own).map(([k, v]) => [k.replace('_l0', `_l${l}`), v])) };
    const init: Record<string, readonly Seg[]> = prev ? Object.fromEntries(Object.keys(ownInit).map((st) => [st, [...prev.init[st]!, ...ownInit[st]!]])) : ownInit;
    const chain: Chain = { kind, key, layers: l + 1, input: prev ? prev.input : cx.net.materialize(x, n.name), params, init, hint: prev ? prev.hint : cx.hint(kind) };

    // Initial states must be whole layers or inputs; a part of one (a later chain op may complete it) makes the draft invalid.
    const refs: Record<string, Source> = {};
    let invalid: string | undefined;
    for (const [st, segs] of Object.entries(init)) {
      const t: Tensor = { kind: 'tensor', dtype: 'float', shape: [chain.layers * D, h], batchAxis: 0, segs };
      try {
        refs[st] = cx.net.materialize(t, n.name);
      } catch (e) {
        if (!(e instanceof NodeError)) throw e;
        invalid = `initial state ${st} ${e.message}`;
      }
    }
    const attrs = {
      units: h,
      ...(chain.layers > 1 ? { layers: chain.layers } : {}),
      ...(D === 2 ? { bidirectional: true } : {}),
      ...(reverse ? { reverse: true } : {}),
      ...(B ? {} : { bias: false }),
      ...(Object.keys(refs).length ? { initial: refs } : {}),
      ...(kind === 'rnn' && act === 'relu' ? { nonlinearity: 'relu' } : {}),
      ...(resetAfter ? {} : { reset_after: false }),
    };
    let last: Source | undefined;
    const step = D * h;
    // Each direction's final state is one row of Y: the last step going forward, step 0 going backward.
    const finals = reverse ? [0] : D === 2 ? [(T - 1) * step, h] : [(T - 1) * step];
    const alias = (offset: number, length: number): Seg | undefined => {
      if (!last) return undefined;
      for (const [d, at] of finals.entries()) {
        if (offset >= at && offset + length <= at + h) return { src: last, offset: offset - at + d * h, length };
      }
      return undefined;
    };
    const extra = invalid ? { invalid } : {};
    const seq = cx.net.add(kind, [chain.input], attrs, params, chain.hint, n.name, { alias, ...extra });
    last = cx.net.add(kind, [chain.input], { ...attrs, return: 'last' }, params, `${chain.hint}_last`, n.name, { ...extra, shortHint: chain.hint });
    chains.set(seq, chain);
    const y: Tensor = result(seq, [T, D, h], layout === 0 ? 2 : 0);
    const yh: Tensor = result(last, [D, h], batchAxis);
    const outs: Value[] = [y, yh];
    if (kind === 'lstm') {
      // Y_c: the final cell state of the chain's last layer (a `return: cell` layer, written only when used).
      const cell = cx.net.add(kind, [chain.input], { ...attrs, return: 'cell' }, params, `${chain.hint}_cell`, n.name, extra);
      outs.push(result(cell, [D, h], batchAxis));
    }
    return outs;
  };
}

export const RECURRENT: Readonly<Record<string, Mapper>> = {
  RNN: recurrent('rnn'),
  LSTM: recurrent('lstm'),
  GRU: recurrent('gru'),
};
