/**
 * Seeded parameter init, PyTorch-style: uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)), rounded to
 * float32 like a float32 framework's init. Each parameter has its own stream, seeded by
 * `seed ^ fnv1a32("<layer>.<param>")`, so adding a layer never changes another layer's weights.
 * The generator is mulberry32; test/fixtures/make_fixtures.py reproduces this rule exactly.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededParam(seed: number, key: string, count: number, fanIn: number): Float64Array {
  const rng = mulberry32((seed ^ fnv1a32(key)) >>> 0);
  const bound = 1 / Math.sqrt(fanIn);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.fround(bound * (2 * rng() - 1));
  return out;
}
