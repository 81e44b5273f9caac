/**
 * Intern tables for hash-consing: open addressing on int32 structural hashes (linear
 * probing, power-of-two capacity, load <= 1/2).
 *
 * Entries hold nodes weakly by default, so a node nobody references can be garbage-collected.
 * A node is first held strongly, in a nursery; the nursery of every table is turned into
 * `WeakRef`s in a microtask queued by the first insertion of a job. This costs nothing in
 * liveness: by ECMAScript's KeepDuringJob rule a `WeakRef` keeps its target alive until the
 * current synchronous job ends anyway, so one long synchronous build frees its intermediate
 * nodes only once it returns to the event loop, whichever way they are held. It saves a lot
 * of time: a lookup that finds a strong entry needs no `deref` (which, during a job, files
 * its target in the engine's kept-objects set), and no `WeakRef` is made for a node the
 * same job ... still makes it, but once, in bulk, after the build.
 *
 * Dead entries are dropped when the table is rebuilt: on growth, and when a sample of the
 * nodes (one in SAMPLE, through a FinalizationRegistry) shows that about half of the entries
 * are dead. Registering every node would cost more than the node itself.
 *
 * The hot intermediate nodes of dense layers, products `w * x` consumed by sums, are never
 * interned at all (see "loose products" in nodes.ts).
 *
 * `setWeakInterning(false)` makes new entries strong for good (never freed): for benchmarks
 * and short-lived processes (see bench/symbolic-construction.ts).
 */

type Slot<T extends object> = T | WeakRef<T>;

let weak = true;

export function setWeakInterning(on: boolean): void {
  weak = on;
}

export function isWeakInterning(): boolean {
  return weak;
}

const INITIAL = 1 << 10;
const SAMPLE = 64;

/** Tables with a non-empty nursery, and whether their flush is queued. */
const pending = new Set<InternTable<object>>();
let flushQueued = false;

function flushAll(): void {
  flushQueued = false;
  for (const t of pending) t.flush();
  pending.clear();
}

/** Turns every table's nursery into weak entries now (normally done in a microtask). */
export function flushInternNurseries(): void {
  flushAll();
}

/** Equality of a stored node with the parts being looked up (module-level: no closures). */
export type Same<T, A, B, C> = (node: T, a: A, b: B, c: C) => boolean;

export class InternTable<T extends object> {
  private hashes = new Int32Array(INITIAL);
  private slots: (Slot<T> | undefined)[] = new Array<Slot<T> | undefined>(INITIAL).fill(undefined);
  private mask = INITIAL - 1;
  /** Occupied slots, live or dead. */
  private used = 0;
  private weakAdds = 0;
  private deadSamples = 0;
  /** Nodes held strongly until the end of the job (see above), with their hashes. */
  private nursery: T[] = [];
  private nurseryHashes: number[] = [];
  private readonly registry = new FinalizationRegistry<undefined>(() => this.sampleDied());

  /** The live node with hash `h` satisfying `same(node, a, b, c)`, if any. */
  find<A, B, C>(h: number, same: Same<T, A, B, C>, a: A, b: B, c: C): T | undefined {
    const { slots, hashes, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === undefined) return undefined;
      if (hashes[i] === h) {
        const n = s instanceof WeakRef ? s.deref() : s;
        if (n !== undefined && same(n, a, b, c)) return n;
      }
    }
  }

  /** Adds `node` under hash `h` (the caller checked that no equal node is live). */
  add(h: number, node: T): T {
    if (2 * (this.used + 1) > this.slots.length) this.rebuild();
    this.put(h, node);
    this.used++;
    if (weak) {
      this.nursery.push(node);
      this.nurseryHashes.push(h);
      if (this.nursery.length === 1) {
        pending.add(this as InternTable<object>);
        if (!flushQueued) {
          flushQueued = true;
          queueMicrotask(flushAll);
        }
      }
    }
    return node;
  }

  /** Replaces the nursery's strong entries by weak ones. */
  flush(): void {
    const { nursery, nurseryHashes, slots, mask } = this;
    for (let k = 0; k < nursery.length; k++) {
      const node = nursery[k]!;
      let i = nurseryHashes[k]! & mask;
      while (slots[i] !== node && slots[i] !== undefined) i = (i + 1) & mask;
      if (slots[i] !== node) continue;
      slots[i] = new WeakRef(node);
      if (++this.weakAdds % SAMPLE === 0) this.registry.register(node, undefined);
    }
    this.nursery = [];
    this.nurseryHashes = [];
  }

  /** Number of occupied entries (live or not yet swept). */
  get size(): number {
    return this.used;
  }

  private put(h: number, s: Slot<T>): void {
    const { slots, mask } = this;
    let i = h & mask;
    while (slots[i] !== undefined) i = (i + 1) & mask;
    slots[i] = s;
    this.hashes[i] = h;
  }

  private sampleDied(): void {
    if (++this.deadSamples * SAMPLE * 2 > this.used) this.rebuild();
  }

  /** Re-inserts the live entries into a table sized for them (grows or shrinks). */
  private rebuild(): void {
    const { slots, hashes } = this;
    const liveH: number[] = [];
    const liveS: Slot<T>[] = [];
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s === undefined || (s instanceof WeakRef && s.deref() === undefined)) continue;
      liveH.push(hashes[i]!);
      liveS.push(s);
    }
    let cap = INITIAL;
    while (cap < 4 * liveS.length) cap *= 2;
    this.hashes = new Int32Array(cap);
    this.slots = new Array<Slot<T> | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.used = liveS.length;
    this.deadSamples = 0;
    for (let i = 0; i < liveS.length; i++) this.put(liveH[i]!, liveS[i]!);
  }
}
