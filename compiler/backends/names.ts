/** Hands out identifiers for generated code: names from the YAML never reach code unescaped. */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await async of any boolean number ' +
    'string symbol type undefined NaN Infinity eval arguments Math Object Array Float32Array Float64Array Error ' +
    'R S G outputs predict predictBatch predictBatchParallel inputShapes outputShapes precision ready Inputs Outputs forward ' +
    'backendInfo configure dispose format evaluate substitute diff sym paramSymbolName Expr ' +
    // an object key that sets the prototype instead of a property: never a name of anything
    '__proto__'
  ).split(' '),
);

/** Identifiers keep this much of the name they come from (a long one would be repeated in every use). */
const MAX_BASE = 40;

export class NameManager {
  private readonly taken = new Set<string>(RESERVED);
  /** Per base, the next suffix to try (claiming many names of one base stays linear). */
  private readonly next = new Map<string, number>();

  /** A fresh identifier resembling `base` (invalid characters become `_`; at most MAX_BASE of them kept). */
  claim(base: string): string {
    let id = base.replace(/[^A-Za-z0-9_$]/g, '_').slice(0, MAX_BASE);
    if (!/^[A-Za-z_$]/.test(id)) id = `_${id}`;
    let name = id;
    let n = this.next.get(id) ?? 2;
    while (this.taken.has(name)) name = `${id}_${n++}`;
    this.next.set(id, n);
    this.taken.add(name);
    return name;
  }
}

/** A string as a JS/TS property key or string literal (always quoted and escaped). */
export const lit = (s: string): string => JSON.stringify(s);
