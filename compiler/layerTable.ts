/** The layer catalogue as a Markdown table, generated from the op registry (README, `layergen layers`). */
import { OPS } from './ops/registry.js';
import type { AttrSpec } from './ops/types.js';

function attrText(name: string, a: AttrSpec): string {
  if (a.default === undefined || (Array.isArray(a.default) && a.default.length === 0)) return `\`${name}\``;
  const shown = a.type === 'int' ? a.shown : undefined;
  const d = a.type === 'refs' ? '' : `=${Array.isArray(a.default) ? `[${a.default.join(', ')}]` : (shown ?? String(a.default))}`;
  return `\`${name}${d}\``;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function layerTable(): string {
  const rows = OPS.filter((op) => !op.internal).map((op) => {
    const keys = Object.entries(op.attrs).map(([k, a]) => attrText(k, a)).join(', ') || '—';
    return `| \`${op.type}\` | ${cell(keys)} | ${cell(op.torch)} | ${cell(op.doc)} |`;
  });
  return ['| type | keys (=default) | PyTorch | computes |', '|---|---|---|---|', ...rows].join('\n');
}
