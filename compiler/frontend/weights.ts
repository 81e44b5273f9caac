/**
 * Weight files: `"<layer>.<param>"` -> float64 tensor, whatever the format; the reader is picked
 * by extension (one file per format under weights/). Every problem is a LayergenError naming the
 * file and, where there is one, the tensor; non-finite values are rejected in every format.
 * Integer `<layer>.num_batches_tracked` tensors (PyTorch BatchNorm's step counter, present in
 * every state_dict) are skipped silently, so a converted state_dict loads as is.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { LayergenError, type Place } from '../errors.js';
import { readJsonWeights } from './weights/json.js';
import { readNpzWeights } from './weights/npz.js';
import { readSafetensorsWeights } from './weights/safetensors.js';
import { weightError, type WeightBudget, type WeightReader, type WeightSet } from './weights/tensor.js';

export { nestedTensor } from './weights/json.js';
export type { LoadedTensor, WeightSet } from './weights/tensor.js';

const READERS: Readonly<Record<string, WeightReader>> = {
  '.json': readJsonWeights,
  '.npz': readNpzWeights,
  '.safetensors': readSafetensorsWeights,
};

/** Extensions of pickled PyTorch checkpoints, which are never loaded (pickles run code). */
const TORCH = new Set(['.pt', '.pth', '.bin', '.ckpt', '.pkl']);

/** Reads a weight file; `shown` is the path as the user should see it in messages. */
export function loadWeights(path: string, shown: string, from: Place, budget?: WeightBudget): WeightSet {
  const ext = extname(path).toLowerCase();
  const reader = READERS[ext];
  if (!reader) {
    const hint = TORCH.has(ext)
      ? '; a torch.save checkpoint is a pickle: convert it with numpy.savez(path, **{k: v.numpy() for k, v in state_dict.items()})'
      : '';
    const supported = Object.keys(READERS).join(', ');
    throw new LayergenError(`weights: "${shown}": unsupported weight file type ${JSON.stringify(ext || '(none)')} (supported: ${supported})${hint}`, from);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LayergenError(`weights: cannot read "${shown}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`, from);
  }
  try {
    return reader(bytes, shown, budget);
  } catch (e) {
    if (e instanceof LayergenError) throw e;
    throw weightError(shown, `unreadable weight file (${e instanceof Error ? e.message : String(e)})`);
  }
}
