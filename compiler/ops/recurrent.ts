/**
 * Recurrent layers (PyTorch nn.RNN / nn.LSTM / nn.GRU, batch_first, per example [T, features]).
 * Each expands into one scan per layer and direction — the scan's step program holds the cell
 * equations as per-element formulas — joined by concat (bidirectional) and take (`return: last`,
 * initial states). Gate orders and bias placement follow PyTorch: LSTM i,f,g,o; GRU r,z,n with
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), or with `reset_after: false` (ONNX
 * linear_before_reset = 0, Keras reset_after=False) n = tanh(W_in x + b_in + W_hn (r * h) + b_hn).
 * `reverse: true` runs the one direction backward (ONNX direction="reverse"): a reversed scan whose
 * output row t is the state after steps T-1 .. t, so `return: last` is row 0.
 */
import { ShapeError } from '../errors.js';
import type { F, FormulaBuilder } from '../ir/formula.js';
import { FormulaBuilder as Builder, I, outVar } from '../ir/formula.js';
import { fmtShape, type Attrs, type Node, type Tensor, type TensorType } from '../ir/graph.js';
import type { Cell, ScanBody } from '../ir/scan.js';
import { needFloat } from './shapeRules.js';
import type { AttrSpec, OpDef, ParamSpec } from './types.js';

type Kind = 'rnn' | 'lstm' | 'gru';
const GATES: Record<Kind, number> = { rnn: 1, lstm: 4, gru: 3 };
const STATES: Record<Kind, readonly string[]> = { rnn: ['h'], lstm: ['h', 'c'], gru: ['h'] };

interface Dims {
  readonly T: number;
  readonly F: number;
  readonly H: number;
  /** Size of h: the LSTM's proj_size where given, else H. */
  readonly P: number;
  readonly L: number;
  readonly D: number;
}

function dims(a: Attrs, x: TensorType): Dims {
  const H = a.units as number;
  const P = (a.proj_size as number | undefined) || H;
  return { T: x.shape[0]!, F: x.shape[1]!, H, P, L: a.layers as number, D: a.bidirectional ? 2 : 1 };
}

/** Per-example output shape of each `return`. */
function returnShape(ret: string, d: Dims): number[] {
  switch (ret) {
    case 'sequence':
      return [d.T, d.P * d.D];
    case 'last':
      return [d.P * d.D];
    case 'cell':
      return [d.H * d.D];
    case 'h_n':
      return [d.L * d.D, d.P];
    default:
      return [d.L * d.D, d.H];
  }
}

/** Stacked layers times directions a recurrent layer may have (each is a scan with its own parameters). */
const MAX_LAYERS = 1000;

const suffix = (l: number, d: number): string => `_l${l}${d === 1 ? '_reverse' : ''}`;

/** Which input slot holds each initial state (slot 0 is the sequence). */
function initialSlots(a: Attrs, kind: Kind): Record<string, number> {
  const given = (a.initial ?? {}) as Readonly<Record<string, string>>;
  const slots: Record<string, number> = {};
  let next = 1;
  for (const s of STATES[kind]) if (given[s] !== undefined) slots[s] = next++;
  return slots;
}

/** out[j] = sum_k w[row + j, k] * v[k] + b[row + j]  (PyTorch's linear, bias added after the dot). */
function affine(b: FormulaBuilder, slot: number, w: string, bias: string | null, n: number, row = 0): F {
  const j = I.add(outVar(0), row);
  const dot = b.sum(n, (k) => b.prim('mul', b.param(w, [j, k]), b.input(slot, [k])));
  return bias ? b.prim('add', dot, b.param(bias, [j])) : dot;
}

/** Cell options beyond the kind: rnn's relu, gru's reset gate placement. */
interface CellOpts {
  readonly relu: boolean;
  readonly resetAfter: boolean;
}

/**
 * The step program of one layer and direction, over params w_hh, b_hh (and w_hr, an LSTM's
 * projection: h = W_hr (o * tanh(c)), of size P); its sequence is the input projection.
 */
function cellProgram(kind: Kind, H: number, bias: boolean, init: Record<string, number>, opts: CellOpts, emit = 'h', P = H): ScanBody {
  const b = new Builder();
  // The sequence the scan reads is already the input projection W_ih x_t + b_ih of every step
  // (a linear layer before the scan: one matrix product over all steps): gi is its row.
  const j = outVar(0);
  const G = GATES[kind];
  const bh = bias ? 'b_hh' : null;
  const at = (slot: number, gate: number): F => b.input(slot, [I.add(j, gate * H)]);
  const sig = (f: F): F => b.prim('sigmoid', f);
  const tanh = (f: F): F => b.prim('tanh', f);
  const cells: Cell[] = [];
  const x = { kind: 'x' } as const;
  const state = (name: string) => ({ kind: 'state', name }) as const;
  const cell = (name: string) => ({ kind: 'cell', name }) as const;
  // GRU's new state from its z pre-activation and n: h' = (1 - z) n + z h; numerically in PyTorch's order, (h - n) z + n
  const gruState = (zPre: F, n: F, hPrev: F): F => {
    const z = sig(zPre);
    return b.alt(
      b.prim('add', b.prim('mul', b.prim('sub', hPrev, n), z), n),
      b.prim('add', b.prim('mul', b.prim('sub', b.num(1), z), n), b.prim('mul', z, hPrev)),
    );
  };
  if (kind === 'gru' && !opts.resetAfter) {
    // reset gate before the recurrent map: n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)
    cells.push({ name: 'gi', inputs: [x], shape: [G * H], formula: b.input(0, [j]) });
    cells.push({ name: 'gh', inputs: [state('h')], shape: [2 * H], formula: affine(b, 0, 'w_hh', bh, H) });
    // inputs: 0 = gi, 1 = gh (r and z rows), 2 = h ; r * h
    const rh = b.prim('mul', sig(b.prim('add', at(0, 0), at(1, 0))), b.input(2, [j]));
    cells.push({ name: 'rh', inputs: [cell('gi'), cell('gh'), state('h')], shape: [H], formula: rh });
    cells.push({ name: 'ghn', inputs: [cell('rh')], shape: [H], formula: affine(b, 0, 'w_hh', bh, H, 2 * H) });
    // inputs: 0 = gi, 1 = gh, 2 = ghn, 3 = h
    const n = tanh(b.prim('add', at(0, 2), b.input(2, [j])));
    const h = gruState(b.prim('add', at(0, 1), at(1, 1)), n, b.input(3, [j]));
    cells.push({ name: 'h', inputs: [cell('gi'), cell('gh'), cell('ghn'), state('h')], shape: [H], formula: h });
  } else if (kind === 'gru') {
    cells.push({ name: 'gi', inputs: [x], shape: [G * H], formula: b.input(0, [j]) });
    cells.push({ name: 'gh', inputs: [state('h')], shape: [G * H], formula: affine(b, 0, 'w_hh', bh, H) });
    // inputs: 0 = gi, 1 = gh, 2 = h
    const r = sig(b.prim('add', at(0, 0), at(1, 0)));
    const n = tanh(b.prim('add', at(0, 2), b.prim('mul', r, at(1, 2))));
    const h = gruState(b.prim('add', at(0, 1), at(1, 1)), n, b.input(2, [j]));
    cells.push({ name: 'h', inputs: [cell('gi'), cell('gh'), state('h')], shape: [H], formula: h });
  } else {
    cells.push({ name: 'gi', inputs: [x], shape: [G * H], formula: b.input(0, [j]) });
    cells.push({ name: 'gh', inputs: [state('h')], shape: [G * H], formula: affine(b, 0, 'w_hh', bh, P) });
    const pre = (gate: number): F => b.prim('add', at(0, gate), at(1, gate));
    if (kind === 'rnn') {
      const act = opts.relu ? b.prim('max', b.num(0), pre(0)) : tanh(pre(0));
      cells.push({ name: 'h', inputs: [cell('gi'), cell('gh')], shape: [H], formula: act });
    } else {
      // inputs: 0 = gi, 1 = gh, 2 = c ; c' = f * c + i * g
      const c = b.prim('add', b.prim('mul', sig(pre(1)), b.input(2, [j])), b.prim('mul', sig(pre(0)), tanh(pre(2))));
      cells.push({ name: 'c', inputs: [cell('gi'), cell('gh'), state('c')], shape: [H], formula: c });
      // h' = o * tanh(c')   (inputs: 0 = gi, 1 = gh, 2 = c'); with a projection h' = W_hr (o * tanh(c'))
      const h = b.prim('mul', sig(pre(3)), tanh(b.input(2, [j])));
      if (P === H) cells.push({ name: 'h', inputs: [cell('gi'), cell('gh'), cell('c')], shape: [H], formula: h });
      else {
        cells.push({ name: 'hr', inputs: [cell('gi'), cell('gh'), cell('c')], shape: [H], formula: h });
        cells.push({ name: 'h', inputs: [cell('hr')], shape: [P], formula: affine(b, 0, 'w_hr', null, H) });
      }
    }
  }
  const states = STATES[kind].map((name) => ({ name, size: name === 'h' ? P : H, ...(init[name] !== undefined ? { init: init[name] } : {}) }));
  return { states, cells, next: Object.fromEntries(STATES[kind].map((s) => [s, s])), emit };
}

function recurrent(kind: Kind, torch: string, doc: string): OpDef {
  const extra: Record<string, AttrSpec> =
    kind === 'rnn'
      ? { nonlinearity: { type: 'enum', values: ['tanh', 'relu'], default: 'tanh', doc: 'cell activation' } }
      : kind === 'gru'
        ? {
            reset_after: {
              type: 'bool',
              default: true,
              doc: "apply the reset gate after the recurrent linear map, r * (W_hn h + b_hn), as PyTorch (ONNX linear_before_reset=1, Keras reset_after=True); false: before it, W_hn (r * h) + b_hn (ONNX linear_before_reset=0, Keras reset_after=False)",
            },
          }
        : {};
  return {
    type: kind,
    torch,
    doc,
    attrs: {
      units: { type: 'int', min: 1, doc: 'hidden size' },
      layers: { type: 'int', min: 1, default: 1, doc: 'stacked layers' },
      bidirectional: { type: 'bool', default: false, doc: 'also run the sequence backwards; outputs concatenated' },
      reverse: {
        type: 'bool',
        default: false,
        doc: 'run the sequence backwards only (ONNX direction="reverse"); output row t is the state after steps T-1..t, `return: last` the state after step 0; not with bidirectional',
      },
      bias: { type: 'bool', default: true, doc: 'learn b_ih and b_hh' },
      return: {
        type: 'enum',
        values: kind === 'lstm' ? ['sequence', 'last', 'cell', 'h_n', 'c_n'] : ['sequence', 'last', 'h_n'],
        default: 'sequence',
        doc:
          'every step [T, units*dirs], or the final state [units*dirs] (last layer), or h_n: every layer\'s final state [layers*dirs, units]' +
          (kind === 'lstm' ? '; cell: the final cell state [units*dirs] (last layer), c_n: every layer\'s [layers*dirs, units]' : ''),
      },
      initial: { type: 'refs', keys: STATES[kind], default: {}, doc: `initial states by input name (${STATES[kind].join(', ')}), each [layers*dirs, units]; zeros otherwise` },
      ...extra,
      ...(kind === 'lstm'
        ? { proj_size: { type: 'int', min: 0, default: 0, doc: 'project h to this size, h = W_hr (o * tanh(c)) (0: no projection); h, the outputs and initial h have this size' } }
        : {}),
    },
    arity: { min: 1, max: 1 },
    steps: (_a, [x]) => x!.shape[0]!,
    params(a, [x]) {
      const { F, H, P, L, D } = dims(a, x!);
      if (L * D > MAX_LAYERS) throw new ShapeError(`layers ${L}${D === 2 ? ' (bidirectional)' : ''}: at most ${MAX_LAYERS} layers and directions`);
      const G = GATES[kind];
      const out: Record<string, ParamSpec> = {};
      for (let l = 0; l < L; l++) {
        for (let d = 0; d < D; d++) {
          const s = suffix(l, d);
          out[`weight_ih${s}`] = { shape: [G * H, l === 0 ? F : P * D], fanIn: H };
          out[`weight_hh${s}`] = { shape: [G * H, P], fanIn: H };
          if (a.bias) {
            out[`bias_ih${s}`] = { shape: [G * H], fanIn: H };
            out[`bias_hh${s}`] = { shape: [G * H], fanIn: H };
          }
          if (P !== H) out[`weight_hr${s}`] = { shape: [P, H], fanIn: H };
        }
      }
      return out;
    },
    shape(a, ins) {
      const x = ins[0]!;
      if (a.reverse && a.bidirectional) {
        throw new ShapeError('reverse: true and bidirectional: true cannot be combined (reverse runs the one direction backwards; bidirectional already runs both)');
      }
      needFloat(x);
      if (x.shape.length !== 2) throw new ShapeError(`expected a sequence of shape [steps, features], got ${fmtShape(x.shape)}`);
      const d = dims(a, x);
      const { H, P, L, D } = d;
      if (L * D > MAX_LAYERS) throw new ShapeError(`layers ${L}${D === 2 ? ' (bidirectional)' : ''}: at most ${MAX_LAYERS} layers and directions`);
      if (P > H) throw new ShapeError(`proj_size ${P} must be smaller than units ${H} (as in PyTorch)`);
      const slots = initialSlots(a, kind);
      for (const [s, slot] of Object.entries(slots)) {
        const t = ins[slot]!;
        const want = [L * D, s === 'h' ? P : H];
        if (fmtShape(t.shape) !== fmtShape(want)) {
          throw new ShapeError(`initial state "${s}": expected shape ${fmtShape(want)} (layers*dirs, ${s === 'h' && P !== H ? 'proj_size' : 'units'}), got ${fmtShape(t.shape)}`);
        }
        needFloat(t, `initial state "${s}"`);
      }
      return { shape: returnShape(a.return as string, d), dtype: 'float' };
    },
    expand(n, ins, fresh) {
      const a = n.attrs;
      const { T, F, H, P, L, D } = dims(a, ins[0]!);
      const ret = a.return as string;
      // h_n / c_n: every layer's and direction's final state, in PyTorch's order (layer-major).
      const finals: number[] = [];
      const slots = initialSlots(a, kind);
      const nodes: Node[] = [];
      const make = (op: string, name: string, inputs: number[], attrs: Attrs, extra: Partial<Node> = {}): number => {
        const id = fresh();
        nodes.push({ id, op, name, inputs, attrs, params: {}, ...(n.place ? { place: n.place } : {}), ...extra });
        return id;
      };
      let seq = n.inputs[0]!;
      let last: number[] = [];
      for (let l = 0; l < L; l++) {
        const dirs: number[] = [];
        last = [];
        for (let d = 0; d < D; d++) {
          const s = suffix(l, d);
          const inits = Object.entries(slots).map(([st, slot]) =>
            make('take', `${n.name}/${st}0${s}`, [n.inputs[slot]!], { axis: 0, index: l * D + d }),
          );
          const init = Object.fromEntries(Object.keys(slots).map((st, i) => [st, i + 1]));
          const params: Record<string, Tensor> = {
            w_hh: n.params[`weight_hh${s}`]!,
            ...(a.bias ? { b_hh: n.params[`bias_hh${s}`]! } : {}),
            ...(P !== H ? { w_hr: n.params[`weight_hr${s}`]! } : {}),
          };
          // W_ih x_t + b_ih for every step at once, hoisted out of the time loop
          const proj = make('linear', `${n.name}/input_proj${s}`, [seq], { units: GATES[kind] * H, bias: a.bias as boolean }, {
            params: { weight: n.params[`weight_ih${s}`]!, ...(a.bias ? { bias: n.params[`bias_ih${s}`]! } : {}) },
            origin: { weight: `${n.name}.weight_ih${s}`, ...(a.bias ? { bias: `${n.name}.bias_ih${s}` } : {}) },
          });
          const opts = { relu: a.nonlinearity === 'relu', resetAfter: a.reset_after !== false };
          const backward = d === 1 || a.reverse === true;
          const origin = Object.fromEntries(
            Object.keys(params).map((k) => [k, `${n.name}.${k.replace('w_', 'weight_').replace('b_', 'bias_')}${s}`]),
          );
          const scanOf = (emit: string, tag = ''): number =>
            make('scan', `${n.name}${s}${tag}`, [proj, ...inits], { steps: T, reverse: backward }, { body: cellProgram(kind, H, a.bias as boolean, init, opts, emit, P), params, origin });
          // The last layer of a `return: cell` LSTM emits c (its final row is c_n); every other scan emits h.
          const scan = scanOf(ret === 'cell' && l === L - 1 ? 'c' : 'h');
          dirs.push(scan);
          // The final state of a direction is its output row at the last step it processes.
          const finalOf = (src: number, tag: string): number => make('take', `${n.name}/${tag}${s}`, [src], { axis: 0, index: backward ? 0 : T - 1 });
          if (l === L - 1 && (ret === 'last' || ret === 'cell')) last.push(finalOf(scan, 'last'));
          // c_n: a scan of the same layer that emits c (the recurrence run a second time for its cell states).
          if (ret === 'h_n' || ret === 'c_n') {
            const final = finalOf(ret === 'h_n' ? scan : scanOf('c', '/c'), ret);
            finals.push(make('unsqueeze', `${n.name}/${ret}_row${s}`, [final], { axis: 0 }));
          }
        }
        seq = D === 2 ? make('concat', `${n.name}/l${l}`, dirs, { axis: -1 }) : dirs[0]!;
      }
      if (ret === 'h_n' || ret === 'c_n') {
        const place = n.place ? { place: n.place } : {};
        if (finals.length === 1) return [...nodes, { ...n, op: 'reshape', inputs: [nodes.find((m) => m.id === finals[0])!.inputs[0]!], attrs: { shape: returnShape(ret, { T, F, H, P, L, D }) }, params: {}, ...place }];
        return [...nodes, { id: n.id, op: 'concat', name: n.name, inputs: finals, attrs: { axis: 0 }, params: {}, ...place }];
      }
      const outs = ret === 'sequence' ? [seq] : last;
      const result: Node =
        outs.length === 1
          ? { ...nodes.find((m) => m.id === outs[0])!, id: n.id, name: n.name }
          : { id: n.id, op: 'concat', name: n.name, inputs: outs, attrs: { axis: -1 }, params: {}, ...(n.place ? { place: n.place } : {}) };
      const kept = nodes.filter((m) => m.id !== (outs.length === 1 ? outs[0] : -1));
      return [...kept, result];
    },
  };
}

const REVERSE = 'reverse: true runs t = T-1 down to 0 only, output row t the state after steps T-1..t (ONNX direction="reverse")';
export const rnn = recurrent(
  'rnn',
  'nn.RNN(features, units, layers, nonlinearity, bias, batch_first=True, bidirectional)',
  `h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh); ${REVERSE}`,
);
export const lstm = recurrent(
  'lstm',
  'nn.LSTM(features, units, layers, bias, batch_first=True, bidirectional)',
  `gates i,f,g,o; c_t = f c_{t-1} + i g; h_t = o tanh(c_t); ${REVERSE}`,
);
export const gru = recurrent(
  'gru',
  'nn.GRU(features, units, layers, bias, batch_first=True, bidirectional)',
  'gates r,z,n; n = tanh(W_in x + b_in + r (W_hn h + b_hn)), or with reset_after: false n = tanh(W_in x + b_in + W_hn (r h) + b_hn) ' +
    `(ONNX linear_before_reset=0, Keras reset_after=False); h_t = (1 - z) n + z h_{t-1}; ${REVERSE}`,
);
