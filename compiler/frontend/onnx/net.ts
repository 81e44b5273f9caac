/**
 * The layergen net being built: inputs and layers in creation order (so always topological),
 * each layer's output type computed by the op registry's own shape rule, and `materialize`,
 * which turns a tensor value (segments of layer outputs in some ONNX shape) into one layer of a
 * wanted per-example shape, adding reshape / concat layers where needed. Names are given when
 * the YAML is written (write.ts); unused layers are dropped there.
 */
import { ShapeError } from '../../errors.js';
import { fmtShape, type AttrValue, type TensorType } from '../../ir/graph.js';
import { getOp } from '../../ops/registry.js';
import { NodeError } from './model.js';
import { fmt, size, type Seg, type Source, type Tensor } from './values.js';

export interface ParamTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export interface InputDraft extends Source {
  readonly onnxName: string;
  /** The batch axis's place among the ONNX dimensions, where it is not the first (net.yaml `batch_axis`). */
  readonly batchAxis: number;
}

export interface LayerDraft extends Source {
  readonly type: string;
  readonly inputs: readonly Source[];
  /** Attribute values as YAML will show them (defaults omitted); `refs` attributes map keys to sources. */
  readonly attrs: Readonly<Record<string, AttrValue | Readonly<Record<string, Source>>>>;
  readonly params: Readonly<Record<string, ParamTensor>>;
  /** A name suggestion (the PyTorch module path, or the layer type). */
  readonly hint: string;
  /** A shorter name to use instead when no other written layer suggests it (`rnn` for `rnn_last`). */
  readonly shortHint?: string;
  /** The ONNX node it came from. */
  readonly node: string;
  /** Why this layer cannot be written; an error only if an output depends on it. */
  readonly invalid?: string;
}

export class NetBuilder {
  readonly inputs: InputDraft[] = [];
  readonly layers: LayerDraft[] = [];
  private nextId = 0;
  private readonly reshapes = new Map<string, Source>();

  addInput(onnxName: string, shape: readonly number[], dtype: 'float' | 'int', batchAxis = 0): InputDraft {
    const d: InputDraft = { id: this.nextId++, onnxName, shape: [...shape], dtype, batchAxis };
    this.inputs.push(d);
    return d;
  }

  /**
   * Adds a layer; its output shape comes from the registry (defaults filled in), and its
   * parameters are checked against the shapes the op expects.
   */
  add(
    type: string,
    inputs: readonly Source[],
    attrs: Readonly<Record<string, AttrValue | Readonly<Record<string, Source>>>>,
    params: Readonly<Record<string, ParamTensor>>,
    hint: string,
    node: string,
    extra: Partial<Pick<LayerDraft, 'alias' | 'invalid' | 'shortHint'>> = {},
  ): LayerDraft {
    const op = getOp(type);
    const full: Record<string, AttrValue> = {};
    for (const [k, spec] of Object.entries(op.attrs)) {
      const v = attrs[k];
      if (v !== undefined) full[k] = spec.type === 'refs' ? Object.fromEntries(Object.keys(v).map((s) => [s, s])) : (v as AttrValue);
      else if (spec.default !== undefined) full[k] = spec.default;
      else throw new Error(`internal: ${type} needs attribute ${k}`);
    }
    const refs = Object.values(attrs).filter((v): v is Readonly<Record<string, Source>> => typeof v === 'object' && v !== null && !Array.isArray(v));
    const ins: TensorType[] = [...inputs, ...refs.flatMap((r) => Object.values(r))].map((s) => ({ shape: s.shape, dtype: s.dtype }));
    let out: TensorType;
    try {
      out = op.shape(full, ins);
      const want = op.params?.(full, ins) ?? {};
      for (const [p, spec] of Object.entries(want)) {
        const got = params[p];
        if (!got) throw new Error(`internal: ${type} parameter ${p} missing`);
        if (fmtShape(got.shape) !== fmtShape(spec.shape)) throw new Error(`internal: ${type}.${p}: shape ${fmtShape(got.shape)}, expected ${fmtShape(spec.shape)}`);
      }
      for (const p of Object.keys(params)) if (!want[p]) throw new Error(`internal: ${type} has no parameter ${p}`);
    } catch (e) {
      if (e instanceof ShapeError) throw new NodeError(`layergen ${type}: ${e.message}`);
      throw e;
    }
    const d: LayerDraft = { id: this.nextId++, shape: out.shape, dtype: out.dtype, type, inputs, attrs, params, hint, node, ...extra };
    this.layers.push(d);
    return d;
  }

  /** Layers some of `outputs` depend on, in creation (topological) order. */
  live(outputs: readonly Source[]): LayerDraft[] {
    const byId = new Map(this.layers.map((l) => [l.id, l]));
    const live = new Set<number>();
    const stack = outputs.map((o) => o.id);
    while (stack.length) {
      const id = stack.pop()!;
      if (live.has(id)) continue;
      live.add(id);
      const l = byId.get(id);
      if (l) stack.push(...l.inputs.map((s) => s.id), ...refsOf(l).map((s) => s.id));
    }
    return this.layers.filter((l) => live.has(l.id));
  }

  /**
   * One source holding a tensor value's per-example data in `shape` (default: the ONNX shape
   * without the batch axis; `'any'`: whatever shape the data already has).
   */
  materialize(t: Tensor, node: string, shape: readonly number[] | 'any' = t.shape): Source {
    const segs = resolve(t.segs);
    let src: Source;
    if (segs.length === 1 && isWhole(segs[0]!)) src = segs[0]!.src;
    else {
      // Whole layers joined along their first axis: one concat layer (flattened first where the rest
      // differs); part of a layer's data is a slice of it, flattened (rows of a state, a gate block).
      const tail = (s: Seg) => fmtShape(s.src.shape.slice(1));
      const parts =
        segs.every(isWhole) && segs.every((s) => tail(s) === tail(segs[0]!))
          ? segs.map((s) => s.src)
          : segs.map((s) => (isWhole(s) ? this.reshape(s.src, [size(s.src.shape)], node) : this.part(s, node)));
      src = parts.length === 1 ? parts[0]! : this.add('concat', parts, { axis: 0 }, {}, 'concat', node);
    }
    if (shape === 'any') return src;
    if (size(shape) !== size(src.shape)) throw new NodeError(`internal: ${fmt(src.shape)} cannot hold ${fmt(shape)}`);
    return this.reshape(src, shape, node);
  }

  /** Elements offset .. offset + length - 1 of a source's per-example data, as a [length] slice layer (one per range). */
  part(s: Seg, node: string): Source {
    const key = `${s.src.id}@${s.offset}+${s.length}`;
    let r = this.reshapes.get(key);
    if (!r) {
      const flat = this.reshape(s.src, [size(s.src.shape)], node);
      r = this.add('slice', [flat], { axis: 0, ...(s.offset ? { start: s.offset } : {}), ...(s.offset + s.length < size(s.src.shape) ? { end: s.offset + s.length } : {}) }, {}, 'slice', node);
      this.reshapes.set(key, r);
    }
    return r;
  }

  /** `src` in another shape (the same row-major data): itself, or a reshape layer (one per shape). */
  reshape(src: Source, shape: readonly number[], node: string): Source {
    if (fmtShape(src.shape) === fmtShape(shape)) return src;
    const key = `${src.id}:${fmtShape(shape)}`;
    let r = this.reshapes.get(key);
    if (!r) {
      r = this.add('reshape', [src], { shape: [...shape] }, {}, 'reshape', node);
      this.reshapes.set(key, r);
    }
    return r;
  }
}

/** The sources a layer names in `refs` attributes (recurrent initial states). */
export const refsOf = (l: LayerDraft): Source[] =>
  Object.values(l.attrs).flatMap((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.values(v as Record<string, Source>) : []));

export const isWhole = (s: Seg): boolean => s.offset === 0 && s.length === size(s.src.shape);


/** Replaces partial segments by their aliases where a source has one, and merges neighbours. */
function resolve(segs: readonly Seg[]): Seg[] {
  const out: Seg[] = [];
  for (const s0 of segs) {
    const s = !isWhole(s0) && s0.src.alias ? (s0.src.alias(s0.offset, s0.length) ?? s0) : s0;
    const prev = out[out.length - 1];
    if (prev && prev.src === s.src && prev.offset + prev.length === s.offset) out[out.length - 1] = { ...prev, length: prev.length + s.length };
    else out.push(s);
  }
  return out;
}

/** Whether segments resolve to whole layer outputs (so that `materialize` can use them). */
export const resolvesWhole = (segs: readonly Seg[]): boolean => resolve(segs).every(isWhole);

/** The segments covering elements [from, from + length) of a segment list. */
export function sliceSegs(segs: readonly Seg[], from: number, length: number): Seg[] {
  const out: Seg[] = [];
  let at = 0;
  for (const s of segs) {
    const lo = Math.max(from, at);
    const hi = Math.min(from + length, at + s.length);
    if (lo < hi) out.push({ src: s.src, offset: s.offset + (lo - at), length: hi - lo });
    at += s.length;
  }
  return out;
}

/** A tensor value holding exactly one source's output. */
export function whole(src: Source, shape: readonly number[] = src.shape, batchAxis = 0): Tensor {
  return { kind: 'tensor', dtype: src.dtype, shape: [...shape], batchAxis, segs: [{ src, offset: 0, length: size(src.shape) }] };
}
