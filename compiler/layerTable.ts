/** The layer catalogue as a Markdown table, generated from the op registry (README, `layergen layers`). */
import { LayergenError } from './errors.js';
import { OPS } from './ops/registry.js';
import type { AttrValue } from './ir/graph.js';
import type { AttrSpec, OpDef } from './ops/types.js';

function attrText(name: string, a: AttrSpec): string {
  if (a.default === undefined || (Array.isArray(a.default) && a.default.length === 0)) return `\`${name}\``;
  const shown = a.type === 'int' ? a.shown : undefined;
  const d = a.type === 'refs' ? '' : `=${Array.isArray(a.default) ? `[${a.default.join(', ')}]` : (shown ?? String(a.default))}`;
  return `\`${name}${d}\``;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

const typeText = (a: AttrSpec): string =>
  a.type === 'enum' ? a.values.join(' | ') : a.type === 'refs' ? `{${a.keys.join(', ')}}: layer names` : a.type === 'ints' ? (a.words ? `int, ints, ${a.words.join(' | ')}` : 'int or ints') : a.type;

/**
 * Parameter shapes of an op in words (`weight [units, in_features]`), read from its own `params`
 * rule: required sizes and the input's dimensions are given distinct primes, and each dimension
 * of the result is named back (a prime, a small multiple of one, or a quotient of two). Undefined
 * for ops without parameters, or where no probe input fits the op's shape rule.
 */
export function paramShapes(op: OpDef): string[] | undefined {
  if (!op.params) return undefined;
  const primes = [1009, 1013, 1019, 1021, 1031, 1033, 1039, 1049];
  const named: [number, string][] = [];
  const attrs: Record<string, AttrValue> = {};
  for (const [k, a] of Object.entries(op.attrs)) {
    if (a.default !== undefined) attrs[k] = a.default as AttrValue;
    else if (a.type === 'int') {
      const p = primes[named.length]!;
      named.push([p, k]);
      attrs[k] = p;
    } else if (a.type === 'ints') {
      named.push([7, k]);
      attrs[k] = [7];
    }
  }
  const word = (n: number): string => {
    for (const [p, k] of named) if (n === p) return k;
    for (const [p, k] of named) for (let m = 2; m <= 8; m++) if (n === m * p) return `${m}*${k}`;
    for (const [p, k] of named) for (const [q, j] of named) if (p !== q && n * q === p) return `${k}/${j}`;
    return String(n);
  };
  for (let rank = 1; rank <= 4; rank++) {
    const dims = Array.from({ length: rank }, (_, d) => primes[primes.length - 1 - d]! * 3);
    const dtype = op.type === 'embedding' ? 'int' : 'float';
    try {
      op.shape(attrs, [{ shape: dims, dtype }]);
      const local = [...named];
      dims.forEach((v, d) => local.push([v, rank === 1 ? 'in_features' : `in[${d}]`]));
      named.splice(0, named.length, ...local);
      return Object.entries(op.params(attrs, [{ shape: dims, dtype }])).map(([name, spec]) => `${name} [${spec.shape.map(word).join(', ')}]`);
    } catch {
      // this rank does not fit the op: try the next
    }
  }
  return undefined;
}

/**
 * `layergen layers [TYPE...]`: each layer type with its PyTorch equivalent, what it computes and
 * every key (type, default, meaning), from the same registry rows as the README table.
 */
export function layerList(types: readonly string[] = []): string {
  const ops = OPS.filter((op) => !op.internal);
  const unknown = types.filter((t) => !ops.some((op) => op.type === t));
  if (unknown.length) throw new LayergenError(`unknown layer type ${unknown.map((t) => `"${t}"`).join(', ')} (known: ${ops.map((o) => o.type).join(', ')})`);
  const chosen = types.length ? ops.filter((op) => types.includes(op.type)) : ops;
  return chosen
    .map((op) => {
      const keys = Object.entries(op.attrs).map(([k, a]) => {
        const d = a.default === undefined ? 'required' : `default ${Array.isArray(a.default) ? `[${a.default.join(', ')}]` : a.type === 'refs' ? '{}' : ((a.type === 'int' ? a.shown : undefined) ?? String(a.default))}`;
        return `  ${k}: ${typeText(a)}, ${d}: ${a.doc}`;
      });
      const inputs = op.arity.min === op.arity.max ? `${op.arity.min}` : `${op.arity.min}..${op.arity.max === Infinity ? 'n' : op.arity.max}`;
      const shapes = paramShapes(op);
      return [
        `${op.type}  (${op.torch}; inputs: ${inputs})`,
        `  computes: ${op.doc}`,
        ...(keys.length ? keys : ['  (no keys)']),
        ...(shapes ? [`  parameters: ${shapes.join(', ')}`] : []),
      ].join('\n');
    })
    .join('\n\n');
}

export function layerTable(): string {
  const rows = OPS.filter((op) => !op.internal).map((op) => {
    const keys = Object.entries(op.attrs).map(([k, a]) => attrText(k, a)).join(', ') || '—';
    return `| \`${op.type}\` | ${cell(keys)} | ${cell(op.torch)} | ${cell(op.doc)} |`;
  });
  return ['| type | keys (=default) | PyTorch | computes |', '|---|---|---|---|', ...rows].join('\n');
}
