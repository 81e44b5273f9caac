/** Fills the fixed skeletons in templates/ (named holes `{{hole}}`, no logic inside). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The package root, from compiled (dist/compiler/backends) or source (compiler/backends) layout. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      readFileSync(join(dir, 'package.json'));
      return dir;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error('internal: layergen package root not found');
}

const cache = new Map<string, string>();

export function fillTemplate(file: string, holes: Readonly<Record<string, string>>): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(join(packageRoot(), 'templates', file), 'utf8');
    cache.set(file, text);
  }
  return text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    const v = holes[k];
    if (v === undefined) throw new Error(`internal: template ${file} hole {{${k}}} not filled`);
    return v.replace(/\*\//g, '* /');
  });
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
