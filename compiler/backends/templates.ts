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

/** The runtime package that generated numeric, symbolic and jacobian modules import. */
export const RUNTIME_MODULE = '@layergen/runtime';
/** Its entry for gpu modules (the main entry plus the gpu.js runner). */
export const GPU_RUNTIME_MODULE = '@layergen/runtime/gpu';

/** The first statement of every module: the runtime checks that it can run what this compiler wrote. */
export function runtimeCheck(modName: string): string[] {
  return [`/** Throws a clear error if the installed @layergen/runtime cannot run this module. */`, `R.checkRuntime(${JSON.stringify(packageVersion())}, ${modName});`];
}

/**
 * Module text with its runtime imports pinned to the runtime this compiler resolves (file URLs),
 * for modules the compiler itself imports from a temporary folder outside any project (verify).
 */
export function pinRuntime(text: string): string {
  return text.replace(/(['"])(@layergen\/runtime(?:\/gpu)?)\1/g, (_, q: string, spec: string) => JSON.stringify(import.meta.resolve(spec)));
}
