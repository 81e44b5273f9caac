/**
 * What the host offers beyond the language: Node's built-in modules where they exist, reached
 * through `process.getBuiltinModule` (Node >= 20.16, Bun, Deno) rather than a static or literal
 * `import('node:...')`, so that bundlers targeting browsers never see a `node:` specifier and the
 * runtime loads unchanged in a page.
 */

type Builtins = {
  'node:fs': typeof import('node:fs');
  'node:os': typeof import('node:os');
  'node:worker_threads': typeof import('node:worker_threads');
};

interface ProcessLike {
  readonly getBuiltinModule?: (id: string) => unknown;
}

/** A Node built-in module, or undefined where the host has none (browsers). */
export function nodeBuiltin<K extends keyof Builtins>(id: K): Builtins[K] | undefined {
  const proc = (globalThis as { process?: ProcessLike }).process;
  return typeof proc?.getBuiltinModule === 'function' ? (proc.getBuiltinModule(id) as Builtins[K] | undefined) : undefined;
}
