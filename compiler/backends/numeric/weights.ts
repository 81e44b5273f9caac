/**
 * Where a numeric module keeps the tensors its loops read, and its buffers. Small tensors are
 * literal arrays in the code; the others form one *weights blob* — each tensor at an 8-byte
 * aligned offset, as float32 when every value is a float32 (PyTorch weights are: exact, half the
 * memory traffic), else float64 — written beside the module as `<net>.weights.bin` (loaded by
 * R.weightsFile relative to import.meta.url: node:fs in Node, fetch in browsers; checked by size
 * and checksum) or embedded as base64 (`embed`, or when small). The blob does not depend on the
 * precision.
 *
 * With WebAssembly kernels (wasmKernel.ts) everything the kernels touch lives in one heap, the
 * kernels' memory: the blob at offset 0, then intermediates, scratch and staging buffers; tensors
 * and buffers are typed-array views of it, and the weights the kernels read are stored
 * transposed ([K, N]) in the blob. Without, buffers are ordinary typed arrays and tensors views
 * of the blob.
 */
import { weightsChecksum } from '@layergen/runtime';
import { transpose2 } from '../../ir/transpose.js';
import { base64Literal, numLit, type EmittedFile } from '../module.js';
import { lit } from '../names.js';
import type { ParamRef } from '../plan.js';
import { heapPages } from './wasmKernel.js';
import type { Precision } from './flavor.js';

/** Tensors up to this size are literal arrays in the code. */
export const INLINE_MAX = 256;
/** Blobs with more elements than this go to a sidecar file (unless embedding is asked for). */
export const SIDECAR_MIN = 4096;

/** Where the blob goes: `auto` a sidecar when large, `embed` base64 in the module, `file` always a sidecar. */
export type WeightsMode = 'auto' | 'embed' | 'file';
export const WEIGHTS_MODES: readonly WeightsMode[] = ['auto', 'embed', 'file'];

export type Elem = 'f32' | 'f64';
const ARRAY: Record<Elem, string> = { f32: 'Float32Array', f64: 'Float64Array' };
const BYTES: Record<Elem, number> = { f32: 4, f64: 8 };
const align = (n: number): number => Math.ceil(n / 8) * 8;

export interface MemoryRequest {
  readonly precision: Precision;
  readonly weights: WeightsMode;
  readonly net: string;
  readonly module: string;
  readonly claim: (base: string) => string;
  /** Tensors the generated code reads from module constants. */
  readonly tensors: readonly ParamRef[];
  /** Tensors passed to functions as arrays of the module's precision (constants). */
  readonly keepType: ReadonlySet<string>;
  /** Module-level buffers [id, elements] of the module's precision. */
  readonly buffers: readonly (readonly [string, number])[];
  /** Use one heap and WebAssembly kernels. */
  readonly heap: boolean;
  /** Weights the kernels read (heap mode): stored transposed, [N, K] -> [K, N]. */
  readonly transposed?: ReadonlyMap<string, { readonly N: number; readonly K: number }>;
  /** Bytes kept free at the end of the heap (heap mode: the kernels' table). */
  readonly reserve?: number;
}

export interface Memory {
  /** Module-level statements declaring tensors, buffers, the heap. */
  readonly statements: readonly string[];
  /** Identifier of the R.WeightsFile that loads the sidecar, when there is one. */
  readonly loaderId?: string;
  readonly files: readonly EmittedFile[];
  /** Identifier of the heap ArrayBuffer, and of the R.KernelHeap it belongs to (heap mode). */
  readonly heapId?: string;
  readonly memoryId?: string;
  /** The element type of a tensor's array when it lives in the heap (heap mode), else undefined. */
  heapElem(tensor: string): Elem | undefined;
  /** Byte offset of the reserved bytes (heap mode). */
  readonly reservedAt?: number;
}

const exactFloat32 = (data: Float64Array): boolean => data.every((v) => Math.fround(v) === v || Number.isNaN(v));

export function planMemory(req: MemoryRequest): Memory {
  const mod: Elem = req.precision === 'float32' ? 'f32' : 'f64';
  const Arr = ARRAY[mod];
  // heap mode keeps every tensor in the heap, where the WebAssembly maps read them
  const inline = req.heap ? [] : req.tensors.filter((t) => t.tensor.data.length <= INLINE_MAX);
  const stored = req.heap ? req.tensors : req.tensors.filter((t) => t.tensor.data.length > INLINE_MAX);
  // the blob: each tensor float32 when exact, else float64
  let blobLen = 0;
  const blobAt = stored.map((t) => {
    const elem: Elem = exactFloat32(t.tensor.data) ? 'f32' : 'f64';
    const offset = blobLen;
    blobLen = align(offset + t.tensor.data.length * BYTES[elem]);
    return { t, elem, offset };
  });
  const blob = new Uint8Array(blobLen);
  /** [N, K] of a weight stored transposed (heap mode: the kernels read it). */
  const transposedAs = (t: ParamRef): { readonly N: number; readonly K: number } | undefined => (req.heap ? req.transposed?.get(t.id) : undefined);
  for (const { t, elem, offset } of blobAt) {
    const tr = transposedAs(t);
    const values = tr ? transpose2(t.tensor.data, tr.N, tr.K) : t.tensor.data;
    const data = elem === 'f32' ? Float32Array.from(values) : values;
    blob.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
  }
  // the array type each tensor is used as
  const want = (t: ParamRef, elem: Elem): Elem => (mod === 'f32' ? 'f32' : req.keepType.has(t.id) ? 'f64' : elem);
  const statements: string[] = [];
  const files: EmittedFile[] = [];
  const dataId = req.claim('weightsData');
  const sidecar = blobLen > 0 && (req.weights === 'file' || (req.weights === 'auto' && stored.reduce((a, t) => a + t.tensor.data.length, 0) > SIDECAR_MIN));
  const file = `${req.net}.weights.bin`;
  if (sidecar) {
    files.push({ path: file, text: '', bytes: blob });
    statements.push(
      `/** Parameters: ${file} beside this module (${blobLen} bytes), loaded by \`weights\` below (compile with --weights embed to embed them). */`,
      ...(req.heap ? [] : [`const ${dataId} = new ArrayBuffer(${blobLen});`]),
    );
  } else if (blobLen > 0) {
    statements.push(`/** Parameters (${blobLen} bytes). */`, `const ${dataId} = R.decodeBytes(${base64Literal(blob)}).buffer;`);
  }
  const comment = (t: ParamRef): string => {
    const tr = transposedAs(t);
    return `// ${JSON.stringify(t.label)} [${t.tensor.shape.join(', ')}]${tr ? `, stored transposed as [${tr.K}, ${tr.N}] for the kernels` : ''}`;
  };
  for (const t of inline) {
    const elem = want(t, exactFloat32(t.tensor.data) ? 'f32' : 'f64');
    statements.push(comment(t), `const ${t.id} = new ${ARRAY[elem]}([${Array.from(t.tensor.data, numLit).join(', ')}]);`);
  }
  /** Statements that put the blob in place: run at once (embedded), or when the sidecar is read. */
  const fills: string[] = [];
  /** The statement that loads the sidecar and runs `fills`, and the loader's id. */
  const loader = (into: string): { readonly statements: string[]; readonly loaderId?: string } => {
    if (!sidecar) return { statements: fills };
    const loaderId = req.claim('weights');
    const url = `new URL(${lit(`./${file}`)}, import.meta.url)`;
    return {
      loaderId,
      statements: [
        `/** Reads ${file} (Node: at once, with node:fs; browsers: fetched, see \`ready\`), checks its size and checksum, puts it in place. */`,
        `const ${loaderId} = R.weightsFile(${url}, ${blobLen}, ${lit(weightsChecksum(blob))}, ${lit(req.module)}, ${lit(file)}, (bytes) => {`,
        `new Uint8Array(${into}, 0, ${blobLen}).set(new Uint8Array(bytes));`,
        ...fills,
        '});',
      ],
    };
  };
  const heapElems = new Map<string, Elem>();
  if (!req.heap) {
    for (const { t, elem, offset } of blobAt) {
      const view = `new ${ARRAY[elem]}(${dataId}, ${offset}, ${t.tensor.data.length})`;
      const use = want(t, elem);
      if (use === elem) statements.push(comment(t), `const ${t.id} = ${view};`);
      else if (!sidecar) statements.push(comment(t), `const ${t.id} = ${ARRAY[use]}.from(${view});`);
      else {
        statements.push(comment(t), `const ${t.id} = new ${ARRAY[use]}(${t.tensor.data.length});`);
        fills.push(`${t.id}.set(${view});`);
      }
    }
    for (const [id, n] of req.buffers) statements.push(`const ${id} = new ${Arr}(${n});`);
    const load = loader(dataId); // without a sidecar `fills` is empty here: views and .from copies are in place
    return { statements: [...statements, ...load.statements], files, ...(load.loaderId ? { loaderId: load.loaderId } : {}), heapElem: () => undefined };
  }
  // heap mode: blob, converted copies, buffers
  const heapId = req.claim('heap');
  let end = blobLen;
  const views: string[] = [];
  for (const { t, elem, offset } of blobAt) {
    const use = want(t, elem);
    const n = t.tensor.data.length;
    heapElems.set(t.id, use);
    if (use === elem) {
      views.push(comment(t), `const ${t.id} = new ${ARRAY[elem]}(${heapId}, ${offset}, ${n});`);
    } else {
      views.push(comment(t), `const ${t.id} = new ${ARRAY[use]}(${heapId}, ${end}, ${n});`);
      fills.push(`${t.id}.set(new ${ARRAY[elem]}(${heapId}, ${offset}, ${n}));`);
      end = align(end + n * BYTES[use]);
    }
  }
  for (const [id, n] of req.buffers) {
    views.push(`const ${id} = new ${Arr}(${heapId}, ${end}, ${n});`);
    end = align(end + n * BYTES[mod]);
  }
  const reservedAt = end;
  end = align(end + (req.reserve ?? 0));
  const memoryId = req.claim('memory');
  const pages = heapPages(end);
  const load = loader(heapId);
  statements.push(
    `/** One heap, the WebAssembly kernels' memory: parameters, then buffers (${end} bytes used). */`,
    `const ${memoryId} = R.kernelHeap(${pages});`,
    `const ${heapId} = ${memoryId}.buffer;`,
    ...(blobLen > 0 && !sidecar ? [`new Uint8Array(${heapId}, 0, ${blobLen}).set(new Uint8Array(${dataId}));`] : []),
    ...views,
    ...load.statements,
  );
  return { statements, files, heapId, memoryId, reservedAt, ...(load.loaderId ? { loaderId: load.loaderId } : {}), heapElem: (id) => heapElems.get(id) };
}
