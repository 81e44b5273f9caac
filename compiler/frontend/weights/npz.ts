/** .npz (numpy.savez / savez_compressed): a zip of .npy arrays, each named `<layer>.<param>.npy`. */
import { readNpy } from './npy.js';
import { weightError, type LoadedTensor, type WeightBudget, type WeightSet } from './tensor.js';
import { readZip } from './zip.js';

export function readNpzWeights(bytes: Buffer, file: string, budget?: WeightBudget): WeightSet {
  const members = readZip(bytes, file, budget?.bytes ?? Infinity, budget?.why ?? '');
  const odd = members.find((m) => !m.name.endsWith('.npy'));
  if (odd) {
    const torch = members.some((m) => /(^|\/)data\.pkl$/.test(m.name))
      ? ' (this is a torch.save file: convert it with numpy.savez(path, **{k: v.numpy() for k, v in state_dict.items()}))'
      : '';
    throw weightError(file, `member ${JSON.stringify(odd.name)} is not a .npy array${torch}`);
  }
  const out = new Map<string, LoadedTensor>();
  for (const m of members) {
    const key = m.name.slice(0, -'.npy'.length);
    const t = readNpy(m.data, file, key);
    if (t) out.set(key, t);
  }
  return out;
}
