/** Shared test helpers: repo paths, fixtures, compiling nets to importable modules, tolerances. */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { compile, type CompileOptions, type Target } from '../compiler/index.js';

/** The repository root (tests run from dist/test/...). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const repo = (...p: string[]): string => join(ROOT, ...p);

export interface FixtureCase {
  batch: number;
  inputs: Record<string, number[]>;
  float64: Record<string, number[]>;
  float32: Record<string, number[]>;
}
export interface Fixture {
  name: string;
  net: string;
  inputs: Record<string, number[]>;
  outputs: Record<string, number[]>;
  cases: FixtureCase[];
}

export function fixtureNames(): string[] {
  return readdirSync(repo('test/fixtures'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadFixture(name: string): Fixture {
  return { name, ...JSON.parse(readFileSync(repo('test/fixtures', `${name}.json`), 'utf8')) } as Fixture;
}

/** One example's slice of a batched flat array. */
export function example(flat: readonly number[], batch: number, b: number): number[] {
  const n = flat.length / batch;
  return flat.slice(b * n, (b + 1) * n);
}

let counter = 0;
/** A fresh directory inside the repo, so generated modules resolve `@layergen/runtime` (the workspace package). */
export function tempDir(tag: string): string {
  const dir = repo('.tmp-test', `${process.pid}-${counter++}-${tag.replace(/[^\w-]/g, '_')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function cleanTemp(): void {
  rmSync(repo('.tmp-test'), { recursive: true, force: true });
}

/**
 * Compiles a net and imports one target's module. With lang 'ts' the emitted TypeScript is
 * transpiled here (as a user's build would) before importing.
 */
export async function compileAndImport<M>(net: string, target: Target, opts: CompileOptions = {}): Promise<M> {
  const lang = opts.lang ?? 'js';
  const files = await compile(repo(net), { ...opts, targets: [target], lang });
  const dir = tempDir(`${target}-${lang}`);
  let main = '';
  for (const f of files) {
    if (f.bytes) {
      writeFileSync(join(dir, f.path), f.bytes);
      continue;
    }
    if (lang === 'ts') {
      const js = ts.transpileModule(f.text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
      main = join(dir, f.path.replace(/\.ts$/, '.js'));
      writeFileSync(main, js);
    } else {
      writeFileSync(join(dir, f.path), f.text);
      if (f.path.endsWith('.js')) main = join(dir, f.path);
    }
  }
  return (await import(pathToFileURL(main).href)) as M;
}

/** Largest violation of |a - b| <= tol * max(|b|, floor); returns a message or null. */
export function mismatch(got: ArrayLike<number>, want: readonly number[], tol: number, floor: number, what: string): string | null {
  if (got.length !== want.length) return `${what}: length ${got.length}, expected ${want.length}`;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    if (got[i] === want[i]) continue;
    const err = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), floor);
    if (Number.isNaN(err) && !(Number.isNaN(got[i]!) && Number.isNaN(want[i]!))) {
      return `${what}: element ${i}: got ${got[i]}, expected ${want[i]}`;
    }
    if (err > worst) {
      worst = err;
      at = i;
    }
  }
  if (at >= 0 && !(worst <= tol)) return `${what}: element ${at}: got ${got[at]}, expected ${want[at]} (rel err ${worst.toExponential(2)} > ${tol})`;
  return null;
}
