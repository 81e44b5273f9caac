/**
 * Keras SimpleRNN / LSTM / GRU (and Bidirectional around them) -> layergen rnn / lstm / gru.
 * Keras keeps kernel [features, G*units], recurrent_kernel [units, G*units] and one bias [G*units]
 * (GRU with reset_after=True: [2, G*units], input and recurrent biases); PyTorch's layout is the
 * transpose, [G*units, features], with bias_ih and bias_hh. Gate orders: Keras LSTM i,f,c,o is
 * PyTorch's i,f,g,o; Keras GRU z,r,h becomes r,z,n. A single Keras bias goes to bias_ih, with
 * zeros for bias_hh. GRU reset_after=True is PyTorch's cell; reset_after=False maps to layergen's
 * `reset_after: false`. go_backwards maps to `reverse: true` when only the last state is returned.
 */
import { getOp } from '../../ops/registry.js';
import { NodeError } from '../onnx/model.js';
import type { ParamTensor } from '../onnx/net.js';
import { bool, keras, num, str, sublayer, type Cx, type Mapper } from './common.js';
import type { JsonObject } from './config.js';

type Kind = 'rnn' | 'lstm' | 'gru';

const KINDS: Readonly<Record<string, Kind>> = { SimpleRNN: 'rnn', LSTM: 'lstm', GRU: 'gru' };
const GATES: Readonly<Record<Kind, number>> = { rnn: 1, lstm: 4, gru: 3 };
/** PyTorch gate k is Keras gate ORDER[k]. */
const ORDER: Readonly<Record<Kind, readonly number[]>> = { rnn: [0], lstm: [0, 1, 2, 3], gru: [1, 0, 2] };

interface Cell {
  readonly kind: Kind;
  readonly units: number;
  readonly bias: boolean;
  readonly resetAfter: boolean;
  readonly relu: boolean;
  readonly sequences: boolean;
  readonly backwards: boolean;
}

/** Reads and checks a recurrent layer's config. */
function cellOf(className: string, c: JsonObject): Cell {
  const kind = KINDS[className];
  if (!kind) throw new NodeError(`unsupported recurrent layer ${className} (SimpleRNN, LSTM and GRU are)`);
  if (bool(c, 'stateful', false)) throw new NodeError('stateful=True is not supported (layergen runs each sequence from zero states)');
  if (bool(c, 'return_state', false)) throw new NodeError('return_state=True is not supported (use the returned sequence or last state)');
  if (bool(c, 'time_major', false)) throw new NodeError('time_major=True is not supported');
  const act = str(c, 'activation', 'tanh');
  if (kind === 'rnn' ? act !== 'tanh' && act !== 'relu' : act !== 'tanh') {
    throw new NodeError(`activation "${act}": layergen's ${kind} uses tanh${kind === 'rnn' ? ' or relu' : ''}`);
  }
  if (kind !== 'rnn') {
    const ra = str(c, 'recurrent_activation', 'sigmoid');
    if (ra !== 'sigmoid') throw new NodeError(`recurrent_activation "${ra}": layergen's ${kind} gates use sigmoid`);
  }
  const resetAfter = kind === 'gru' ? bool(c, 'reset_after', true) : true;
  if (!resetAfter && getOp('gru').attrs.reset_after === undefined) throw new NodeError('reset_after=False (the reset gate before the recurrent linear map) is not supported by this layergen');
  return {
    kind,
    units: num(c, 'units'),
    bias: bool(c, 'use_bias', true),
    resetAfter,
    relu: act === 'relu',
    sequences: bool(c, 'return_sequences', false),
    backwards: bool(c, 'go_backwards', false),
  };
}

const weightSpecs = (cell: Cell, features: number) => {
  const g = GATES[cell.kind] * cell.units;
  return [
    { name: 'kernel', shape: [features, g] },
    { name: 'recurrent_kernel', shape: [cell.units, g] },
    ...(cell.bias ? [{ name: 'bias', shape: cell.kind === 'gru' && cell.resetAfter ? [2, g] : [g] }] : []),
  ];
};

/** Keras [rows, G*H] (gates in Keras' order) -> PyTorch [G*H, rows] (PyTorch's order). */
function gatesT(data: Float64Array, rows: number, cell: Cell): Float64Array {
  const h = cell.units;
  const g = GATES[cell.kind] * h;
  const out = new Float64Array(g * rows);
  ORDER[cell.kind].forEach((kg, k) => {
    for (let j = 0; j < h; j++) for (let r = 0; r < rows; r++) out[(k * h + j) * rows + r] = data[r * g + kg * h + j]!;
  });
  return out;
}

/** One direction's PyTorch-named parameters (suffix `_l0` or `_l0_reverse`) from its Keras weights. */
function params(cell: Cell, features: number, w: readonly Float64Array[], suffix: string): Record<string, ParamTensor> {
  const g = GATES[cell.kind] * cell.units;
  const out: Record<string, ParamTensor> = {
    [`weight_ih${suffix}`]: { shape: [g, features], data: gatesT(w[0]!, features, cell) },
    [`weight_hh${suffix}`]: { shape: [g, cell.units], data: gatesT(w[1]!, cell.units, cell) },
  };
  if (cell.bias) {
    const two = cell.kind === 'gru' && cell.resetAfter;
    const b = w[2]!;
    out[`bias_ih${suffix}`] = { shape: [g], data: gatesT(two ? b.subarray(0, g) : b, 1, cell) };
    out[`bias_hh${suffix}`] = { shape: [g], data: two ? gatesT(b.subarray(g), 1, cell) : new Float64Array(g) };
  }
  return out;
}

function attrsOf(cell: Cell, extra: Record<string, boolean>): Record<string, number | string | boolean> {
  return {
    units: cell.units,
    ...extra,
    ...(cell.bias ? {} : { bias: false }),
    ...(cell.sequences ? {} : { return: 'last' }),
    ...(cell.relu ? { nonlinearity: 'relu' } : {}),
    ...(cell.resetAfter ? {} : { reset_after: false }),
  };
}

function sequenceInput(cx: Cx): { x: ReturnType<Cx['x']>; T: number; F: number } {
  const x = cx.x();
  if (x.shape.length !== 2) throw new NodeError(`input of shape [${x.shape.join(', ')}]: expected a sequence [timesteps, features]`);
  return { x, T: x.shape[0]!, F: x.shape[1]! };
}

const recurrent: Mapper = (cx) => {
  const cell = cellOf(cx.layer.className, cx.config);
  const { x, F } = sequenceInput(cx);
  if (cell.backwards && cell.sequences) {
    throw new NodeError('go_backwards=True with return_sequences=True: Keras returns the steps in reversed order, which no layergen layer expresses');
  }
  if (cell.backwards && getOp(cell.kind).attrs.reverse === undefined) throw new NodeError('go_backwards=True is not supported by this layergen');
  const w = cx.weights(weightSpecs(cell, F), ['cell']);
  return [keras(cx.add(cell.kind, [x], attrsOf(cell, cell.backwards ? { reverse: true } : {}), params(cell, F, w, '_l0')))];
};

const bidirectional: Mapper = (cx) => {
  const c = cx.config;
  const inner = sublayer(c, 'layer');
  if (!inner) throw new NodeError('config has no layer');
  const mode = c.merge_mode === undefined ? 'concat' : c.merge_mode;
  if (mode !== 'concat') throw new NodeError(`merge_mode ${JSON.stringify(mode)}: layergen's bidirectional layers concatenate the directions (merge_mode "concat")`);
  const fwd = cellOf(inner.className, inner.config);
  if (fwd.backwards) throw new NodeError('the wrapped layer has go_backwards=True');
  const back = sublayer(c, 'backward_layer');
  if (back) {
    const b = cellOf(back.className, back.config);
    const same = (k: keyof Cell) => b[k] === fwd[k];
    if (back.className !== inner.className || !same('units') || !same('bias') || !same('resetAfter') || !same('relu') || !same('sequences') || !b.backwards) {
      throw new NodeError('a backward_layer that differs from the forward layer (other than go_backwards=True) is not supported');
    }
  }
  const { x, F } = sequenceInput(cx);
  const specs = weightSpecs(fwd, F);
  const both = [...specs.map((s) => ({ ...s, name: `forward ${s.name}` })), ...specs.map((s) => ({ ...s, name: `backward ${s.name}` }))];
  const w = cx.weights(both, ['forward_layer/cell', 'backward_layer/cell']);
  const n = specs.length;
  const p = { ...params(fwd, F, w.slice(0, n), '_l0'), ...params(fwd, F, w.slice(n), '_l0_reverse') };
  return [keras(cx.add(fwd.kind, [x], attrsOf(fwd, { bidirectional: true }), p))];
};

export const RECURRENT_LAYERS: Readonly<Record<string, Mapper>> = {
  SimpleRNN: recurrent,
  LSTM: recurrent,
  GRU: recurrent,
  Bidirectional: bidirectional,
};
