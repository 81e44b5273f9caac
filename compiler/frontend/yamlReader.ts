/** Reading YAML nodes with their source places; every failure is a LayergenError at the node. */
import { didYouMean } from '../suggest.js';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YNode, type Pair, type Scalar } from 'yaml';
import { LayergenError, LayergenErrors, MAX_PROBLEMS, type Place } from '../errors.js';

export type YamlNode = YNode | null | undefined;

/** Deepest nesting of flow collections ([ ], { }) accepted; deeper input would exhaust the YAML parser. */
export const MAX_YAML_DEPTH = 64;

/**
 * The place where flow collections nest deeper than MAX_YAML_DEPTH, or undefined: a scan of the
 * text (quotes and comments skipped) before the YAML library sees it.
 */
function tooDeep(text: string): number | undefined {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_YAML_DEPTH) return i;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

export class YamlReader {
  private readonly lines = new LineCounter();
  readonly root: YamlNode;

  constructor(
    readonly file: string,
    text: string,
  ) {
    const deep = tooDeep(text);
    if (deep !== undefined) {
      this.lines.addNewLine(0);
      for (let i = 0; i < deep; i++) if (text[i] === '\n') this.lines.addNewLine(i + 1);
      throw new LayergenError(`invalid YAML: lists or mappings nested more than ${MAX_YAML_DEPTH} levels deep`, this.at(deep));
    }
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    const err = doc.errors[0];
    if (err) {
      throw new LayergenError(`invalid YAML: ${err.message.split('\n')[0]}`, this.at(err.pos[0]));
    }
    // Tags the YAML core schema does not know (!!js/function, !!python/object:..., !custom) are
    // errors, not strings: layergen reads plain data.
    const unresolved = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
    if (unresolved) {
      const tag = /Unresolved tag: (.*)$/.exec(unresolved.message.split('\n')[0]!)?.[1] ?? '';
      const shown = tag.replace(/^tag:yaml\.org,2002:/, '!!');
      throw new LayergenError(`unknown YAML tag ${shown}: layergen reads plain YAML (mappings, lists, strings, numbers, booleans)`, this.at(unresolved.pos[0]));
    }
    this.root = doc.contents as YamlNode;
  }

  at(offset: number): Place {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  place(node: YamlNode): Place {
    return node?.range ? this.at(node.range[0]) : { file: this.file, line: 1, col: 1 };
  }

  fail(node: YamlNode, message: string, layer?: string): never {
    throw new LayergenError(message, this.place(node), layer);
  }

  /** Problems found so far (reported together at the end of parsing). */
  readonly problems: LayergenError[] = [];

  /**
   * Runs `f`; a LayergenError it throws is recorded and undefined returned, so parsing goes on
   * and every problem of the file is reported in one run (up to MAX_PROBLEMS).
   */
  collect<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      // not a user error, or the list of them (too many): on up
      if (!(e instanceof LayergenError) || e instanceof LayergenErrors) throw e;
      this.problems.push(e);
      if (this.problems.length >= MAX_PROBLEMS) {
        throw new LayergenErrors([...this.problems, new LayergenError(`too many problems; stopped after ${MAX_PROBLEMS}`, { file: this.file })]);
      }
      return undefined;
    }
  }

  /** A mapping with string keys; unknown keys are errors listing the allowed ones. */
  map(node: YamlNode, what: string, allowed: readonly string[] | null, layer?: string): Map<string, Pair<Scalar, YNode>> {
    if (!isMap(node)) this.fail(node, `${what}: expected a mapping, got ${describe(node)}`, layer);
    const out = new Map<string, Pair<Scalar, YNode>>();
    for (const pair of node.items as Pair<Scalar, YNode>[]) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== 'string') this.fail(key as YamlNode, `${what}: keys must be strings`, layer);
      if (allowed && !allowed.includes(key.value as string)) {
        // recorded, and the key skipped: the other keys are still read and checked
        this.collect(() => this.fail(key, `${what}: unknown key "${key.value}"${didYouMean(key.value as string, allowed)} (allowed: ${allowed.join(', ')})`, layer));
        continue;
      }
      out.set(key.value as string, pair);
    }
    return out;
  }

  seq(node: YamlNode, what: string, layer?: string): YNode[] {
    if (!isSeq(node)) this.fail(node, `${what}: expected a list, got ${describe(node)}`, layer);
    return node.items as YNode[];
  }

  scalar(node: YamlNode): unknown {
    return isScalar(node) ? node.value : undefined;
  }

  string(node: YamlNode, what: string, layer?: string): string {
    const v = this.scalar(node);
    if (typeof v !== 'string') this.fail(node, `${what}: expected a string, got ${describe(node)}`, layer);
    return v;
  }

  number(node: YamlNode, what: string, layer?: string): number {
    const v = this.scalar(node);
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const src = isScalar(node) && typeof node.source === 'string' ? node.source : String(v);
      this.fail(node, `${what}: ${src} is not a finite number${Number.isNaN(v) ? '' : ' (it is beyond the float64 range)'}`, layer);
    }
    if (typeof v !== 'number') this.fail(node, `${what}: expected a number, got ${describe(node)}`, layer);
    return v;
  }

  int(node: YamlNode, what: string, layer?: string, min = -Infinity): number {
    const v = this.number(node, what, layer);
    if (!Number.isSafeInteger(v)) this.fail(node, `${what}: expected an integer, got ${v}`, layer);
    if (v < min) this.fail(node, `${what}: expected an integer >= ${min}, got ${v}`, layer);
    return v;
  }

  bool(node: YamlNode, what: string, layer?: string): boolean {
    const v = this.scalar(node);
    if (typeof v !== 'boolean') this.fail(node, `${what}: expected true or false, got ${describe(node)}`, layer);
    return v;
  }

  /** A nested list of numbers, returned flat with its shape (must be rectangular). */
  tensor(node: YamlNode, what: string, layer?: string): { shape: number[]; data: number[] } {
    const data: number[] = [];
    let leaf = -1;
    const shapeOf = (n: YamlNode, depth: number, shape: number[]): void => {
      if (isSeq(n)) {
        if (leaf !== -1 && depth >= leaf) this.fail(n, `${what}: ragged nested list: a list where a number was expected`, layer);
        if (depth === shape.length) shape.push(n.items.length);
        else if (shape[depth] !== n.items.length) {
          this.fail(n, `${what}: ragged nested list: expected length ${shape[depth]} at depth ${depth}, got ${n.items.length}`, layer);
        }
        for (const c of n.items as YNode[]) shapeOf(c, depth + 1, shape);
        return;
      }
      if (leaf === -1) leaf = depth;
      if (depth !== leaf) this.fail(n, `${what}: ragged nested list: a number where a list was expected`, layer);
      data.push(this.number(n, what, layer));
    };
    const shape: number[] = [];
    if (isSeq(node)) shapeOf(node, 0, shape);
    else data.push(this.number(node, what, layer));
    return { shape, data };
  }
}

export function describe(node: YamlNode): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
    return `${typeof v} ${String(v)}`;
  }
  return 'an unexpected node';
}
