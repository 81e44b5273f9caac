/**
 * Weak intern tables for hash-consing.
 *
 * A table maps a key (a structural hash, or the value itself for leaves) to the node(s)
 * built with it. Entries hold nodes through `WeakRef`, so a node nobody references is
 * garbage-collected; a FinalizationRegistry then removes its emptied entry. Nothing
 * unreachable is kept: after a build and a GC only what the caller holds remains.
 *
 * Caveat (ECMAScript "KeepDuringJob"): a `WeakRef` keeps its target alive until the end of
 * the current synchronous job, so one long synchronous build frees its intermediate nodes
 * only once it returns to the event loop. Builders of huge graphs should prefer
 * `linear(...)` (no node per product) or yield between rounds.
 *
 * Cost: weak entries roughly double the cost of creating a node (WeakRef + registration +
 * GC work; see bench/symbolic-construction.ts). `setWeakInterning(false)` makes new entries
 * strong (never freed), for benchmarks and short-lived processes.
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
  private readonly registry = new FinalizationRegistry<K>((key) => this.clean(key));

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
    if (weak) this.registry.register(node, key);
    return node;
  }

  /** Number of keys currently held. */
  get size(): number {
    return this.map.size;
  }

  /** Drops the collected nodes' slots under `key`. */
  private clean(key: K): void {
    const b = this.map.get(key);
    if (b === undefined) return;
    const kept = (Array.isArray(b) ? b : [b]).filter((s) => deref(s) !== undefined);
    if (kept.length === 0) this.map.delete(key);
    else if (Array.isArray(b)) this.map.set(key, kept.length === 1 ? kept[0]! : kept);
  }
}
