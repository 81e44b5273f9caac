/**
 * Weak intern tables for hash-consing.
 *
 * A table maps a key (a structural hash, or the value itself for leaves) to the node(s)
 * built with it. Entries hold nodes through `WeakRef`, so a node nobody references can be
 * garbage-collected. The emptied `WeakRef` shells are swept when the table has doubled
 * since the last sweep (amortised O(1) per insertion, no FinalizationRegistry needed);
 * the sweep runs as a microtask, i.e. after the current synchronous job, because nothing
 * referenced through a `WeakRef` can die during the job that created it (see below).
 *
 * Caveat (ECMAScript "KeepDuringJob"): a `WeakRef` keeps its target alive until the end of
 * the current synchronous job, so a single long synchronous build frees its garbage only
 * once it returns to the event loop. Builders of huge graphs should prefer `linear(...)`
 * (no per-product node) or yield between rounds.
 *
 * `setWeakInterning(false)` switches new entries to strong references (faster, never
 * freed); it exists for benchmarking and for short-lived processes.
 */

type Slot<T extends object> = T | WeakRef<T>;
type Bucket<T extends object> = Slot<T> | Slot<T>[];

let weak = true;

export function setWeakInterning(on: boolean): void {
  weak = on;
}

export function isWeakInterning(): boolean {
  return weak;
}

function deref<T extends object>(s: Slot<T>): T | undefined {
  return s instanceof WeakRef ? s.deref() : s;
}

export class InternTable<K, T extends object> {
  private readonly map = new Map<K, Bucket<T>>();
  private inserted = 0;
  private sweepAt = 4096;
  private sweepQueued = false;

  /** The live node under `key` satisfying `same`, if any. */
  find(key: K, same: (node: T) => boolean): T | undefined {
    const b = this.map.get(key);
    if (b === undefined) return undefined;
    if (!Array.isArray(b)) {
      const n = deref(b);
      return n !== undefined && same(n) ? n : undefined;
    }
    for (const s of b) {
      const n = deref(s);
      if (n !== undefined && same(n)) return n;
    }
    return undefined;
  }

  add(key: K, node: T): T {
    const slot: Slot<T> = weak ? new WeakRef(node) : node;
    const b = this.map.get(key);
    if (b === undefined) this.map.set(key, slot);
    else if (Array.isArray(b)) b.push(slot);
    else if (deref(b) === undefined) this.map.set(key, slot);
    else this.map.set(key, [b, slot]);
    if (++this.inserted >= this.sweepAt && !this.sweepQueued) {
      this.sweepQueued = true;
      queueMicrotask(() => this.sweep());
    }
    return node;
  }

  /** Number of keys currently held (live or not yet swept). */
  get size(): number {
    return this.map.size;
  }

  /** Drops entries whose node was collected. */
  sweep(): void {
    this.sweepQueued = false;
    let live = 0;
    for (const [key, b] of this.map) {
      if (!Array.isArray(b)) {
        if (deref(b) === undefined) this.map.delete(key);
        else live++;
        continue;
      }
      const kept = b.filter((s) => deref(s) !== undefined);
      if (kept.length === 0) this.map.delete(key);
      else this.map.set(key, kept.length === 1 ? kept[0]! : kept);
      live += kept.length;
    }
    this.inserted = live;
    this.sweepAt = Math.max(4096, 2 * live);
  }
}
