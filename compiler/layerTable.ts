/** The layer catalogue as a Markdown table, generated from the op registry (README, `layergen layers`). */
import { LayergenError } from './errors.js';
import { OPS } from './ops/registry.js';
import type { AttrSpec } from './ops/types.js';

function attrText(name: string, a: AttrSpec): string {
  if (a.default === undefined || (Array.isArray(a.default) && a.default.length === 0)) return `\`${name}\``;
  const shown = a.type === 'int' ? a.shown : undefined;
  const d = a.type === 'refs' ? '' : `=${Array.isArray(a.default) ? `[${a.default.join(', ')}]` : (shown ?? String(a.default))}`;
  return `\`${name}${d}\``;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

const typeText = (a: AttrSpec): string =>
  a.type === 'enum' ? a.values.join(' | ') : a.type === 'refs' ? `{${a.keys.join(', ')}}: layer names` : a.type === 'ints' ? 'int or ints' : a.type;

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
      return [`${op.type}  (${op.torch}; inputs: ${inputs})`, `  computes: ${op.doc}`, ...(keys.length ? keys : ['  (no keys)'])].join('\n');
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
