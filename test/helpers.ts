/** Shared test helpers: repo paths, fixtures, compiling nets to importable modules, tolerances. */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { compile, type CompileOptions, type Target } from '../compiler/index.js';
import { OPS } from '../compiler/ops/registry.js';

// uvu sets FORCE_COLOR=1 for its own output; the CLIs the tests spawn inherit the environment and
// would colour their messages. Tests read plain text (colour is tested on its own, in diagnostics.test).
delete process.env.FORCE_COLOR;

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

/** LAYERGEN_TEST_FULL=1 (`npm run test:full`): every fixture in every configuration. */
export const FULL = process.env.LAYERGEN_TEST_FULL === '1';

/** The layer type a fixture is named after (the longest registered type its name starts with), or 'nets'. */
export function family(name: string): string {
  const types = OPS.map((o) => o.type).filter((t) => name.startsWith(t) && /^(_|\d|$)/.test(name.slice(t.length)));
  return types.sort((a, b) => b.length - a.length)[0] ?? 'nets';
}

/**
 * One fixture per layer family (the first by name), plus the named ones: where a configuration
 * exercises an emitter path that does not depend on the layer (.ts vs .js output, float32 vs
 * float64 of the same loops), one net per family checks it; the full run checks every fixture.
 */
export function perFamily(names: readonly string[], extra: readonly string[] = []): Set<string> {
  if (FULL) return new Set(names);
  const seen = new Map<string, string>();
  for (const n of names) if (!seen.has(family(n))) seen.set(family(n), n);
  return new Set([...seen.values(), ...extra.filter((n) => names.includes(n))]);
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

/**
 * An imported net (YAML + weights file) written into a fresh temp dir and frozen (never rewritten,
 * so compileAndImport shares its modules); returns its repo-relative YAML path and the dir.
 */
export function writeImportedNet(tag: string, net: { name: string; yaml: string; weightsFile: string; weights: Uint8Array }): { yaml: string; dir: string } {
  const dir = tempDir(`${tag}-${net.name}`);
  writeFileSync(join(dir, `${net.name}.yaml`), net.yaml);
  writeFileSync(join(dir, net.weightsFile), net.weights);
  return { yaml: freezeNet(relative(ROOT, join(dir, `${net.name}.yaml`))), dir };
}

export function cleanTemp(): void {
  rmSync(repo('.tmp-test'), { recursive: true, force: true });
}

/** Modules of committed nets (samples/, test/fixtures/), per configuration: compiled once per run. */
const compiled = new Map<string, Promise<unknown>>();
const COMMITTED = /^(samples|test\/fixtures)\//;
/** Nets written once and never changed (imported models): compiled once per configuration too. */
const frozen = new Set<string>();
/** Marks a repo-relative net (and its weights) as never rewritten, so compileAndImport may share its modules. */
export function freezeNet(net: string): string {
  frozen.add(net);
  return net;
}

/**
 * Compiles a net and imports one target's module. With lang 'ts' the emitted TypeScript is
 * transpiled here (as a user's build would) before importing. The code is not run through
 * prettier unless `format: true` is asked for (formatting is tested where it is read). uvu runs
 * every test file in one process, so a committed net compiled in one configuration is compiled
 * once for the whole suite and the module shared by every test that asks for it.
 */
export function compileAndImport<M>(net: string, target: Target, opts: CompileOptions = {}): Promise<M> {
  if (!(COMMITTED.test(net) || frozen.has(net)) || opts.onProgress) return compileAndImportOnce<M>(net, target, opts);
  const key = JSON.stringify([net, target, { lang: 'js', precision: 'float64', ...opts }]);
  let m = compiled.get(key);
  if (!m) compiled.set(key, (m = compileAndImportOnce<M>(net, target, opts)));
  return m as Promise<M>;
}

async function compileAndImportOnce<M>(net: string, target: Target, opts: CompileOptions): Promise<M> {
  const lang = opts.lang ?? 'js';
  const files = await compile(repo(net), { format: false, ...opts, targets: [target], lang });
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
