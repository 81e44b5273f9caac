/**
 * Turns a backend's module (built as ts-morph structures) into files: prettier-formatted
 * TypeScript, or ESM JavaScript plus a .d.ts for `--lang js`.
 */
import type { Project, SourceFile, ts as TS, VariableDeclarationKind } from 'ts-morph';
import type * as Prettier from 'prettier';

/** `const` declarations in ts-morph structures (its enum's value, so emitters need not load ts-morph). */
export const CONST = 'const' as VariableDeclarationKind.Const;
/** `let` declarations, likewise. */
export const LET = 'let' as VariableDeclarationKind.Let;

/**
 * ts-morph (with TypeScript, ~0.3 s to load) and prettier load on the first emit, so commands
 * that emit no module (check, eval, layers, import) start without them.
 */
let libs: Promise<{ readonly tsMorph: typeof import('ts-morph'); readonly prettier: typeof Prettier }> | undefined;
const loadLibs = () => (libs ??= Promise.all([import('ts-morph'), import('prettier')]).then(([tsMorph, prettier]) => ({ tsMorph, prettier })));

export type Lang = 'ts' | 'js';

export interface EmittedFile {
  /** File name relative to the output directory. */
  readonly path: string;
  readonly text: string;
  /** Binary content (a weights sidecar); `text` is then empty. */
  readonly bytes?: Uint8Array;
}

/** A module a backend describes: `fill` adds imports, declarations and functions to the file. */
export interface ModuleSpec {
  /** e.g. `mlp.numeric`; files become `mlp.numeric.ts` or `mlp.numeric.js` + `.d.ts`. */
  readonly base: string;
  readonly header: string;
  fill(sf: SourceFile): void;
  /** Files emitted beside the module (a weights sidecar). */
  readonly files?: readonly EmittedFile[];
}

const PRETTIER: Prettier.Options = { printWidth: 110, singleQuote: true, trailingComma: 'all' };

let shared: Project | undefined;
/** One in-memory ts-morph project per process (creating one is the slow part of a small compile). */
function project(tsMorph: typeof import('ts-morph')): Project {
  const { Project, ScriptTarget, ModuleKind } = tsMorph;
  shared ??= new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      target: ScriptTarget.ES2022,
      module: ModuleKind.ESNext,
      declaration: true,
      strict: true,
      removeComments: false,
      skipLibCheck: true,
    },
  });
  return shared;
}

/** The module's files; `format: false` skips prettier (same code, unformatted). */
export async function emitModule(spec: ModuleSpec, lang: Lang, format = true): Promise<EmittedFile[]> {
  const { tsMorph, prettier } = await loadLibs();
  const sf = project(tsMorph).createSourceFile(`/${spec.base}.ts`, '', { overwrite: true });
  let out;
  let text: string;
  try {
    spec.fill(sf);
    sf.insertStatements(0, spec.header);
    text = sf.getFullText();
    out = lang === 'js' ? emitJs(tsMorph.ts, text, spec.base) ?? project(tsMorph).emitToMemory({ targetSourceFile: sf }).getFiles().map((f) => ({ path: f.filePath.replace(/^.*\//, ''), text: f.text })) : undefined;
  } finally {
    project(tsMorph).removeSourceFile(sf);
  }
  const tokens = new Set(text.match(TOKEN));
  const extra = spec.files ?? [];
  const pretty = async (code: string, parser: string): Promise<string> => restoreData(format ? await prettier.format(code, { ...PRETTIER, parser }) : code);
  try {
    if (!out) return [{ path: `${spec.base}.ts`, text: await pretty(text, 'typescript') }, ...extra];
    const files: EmittedFile[] = [...extra];
    for (const f of out) files.push({ path: f.path, text: await pretty(f.text, f.path.endsWith('.d.ts') ? 'typescript' : 'babel') });
    return files.sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    for (const t of tokens) bigData.delete(t);
  }
}


/**
 * `.js` + `.d.ts` of a module file by transpiling it alone (TypeScript's transpileModule and
 * transpileDeclaration): generated modules declare every exported type, so no program or type
 * check is needed, and this is several times faster than a project emit on large modules
 * (a 2 MB jacobian module: 3 s instead of 15 s; the output is the same). Undefined where the
 * declaration emitter reports a problem; the caller then emits through the project.
 */
function emitJs(ts: typeof TS, text: string, base: string): { path: string; text: string }[] | undefined {
  const fileName = `/${base}.ts`;
  const TRANSPILE: TS.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    declaration: true,
    isolatedDeclarations: true,
    removeComments: false,
  };
  const dts = ts.transpileDeclaration(text, { compilerOptions: TRANSPILE, fileName });
  if (dts.diagnostics?.length) return undefined;
  const js = ts.transpileModule(text, { compilerOptions: TRANSPILE, fileName }).outputText;
  return [
    { path: `${base}.js`, text: js },
    { path: `${base}.d.ts`, text: dts.outputText },
  ];
}

/**
 * Large base64 strings stand in the code as short tokens while ts-morph and prettier process it
 * (both are slow on multi-megabyte literals and change nothing in them); restored at the end.
 */
const bigData = new Map<string, string>();
let nextToken = 0;
const TOKEN = /__layergen_data_\d+__/g;

function dataToken(b64: string): string {
  const t = `__layergen_data_${nextToken++}__`;
  bigData.set(t, b64);
  return t;
}

function restoreData(text: string): string {
  return text.replace(TOKEN, (t) => bigData.get(t) ?? t);
}

/** A float64 number as a JS literal that round-trips exactly. */
export function numLit(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** Bytes as a base64 string literal (large ones pass ts-morph and prettier as a short token). */
export function base64Literal(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return `"${b64.length > 4096 ? dataToken(b64) : b64}"`;
}

/** Float data embedded in source: a literal list when small, base64 of float64 when large. */
export function dataInitializer(data: ArrayLike<number>, arrayType: string, inlineMax = 256): string {
  if (data.length <= inlineMax) {
    return `new ${arrayType}([${Array.from(data, numLit).join(', ')}])`;
  }
  const bytes = new Uint8Array(Float64Array.from(data).buffer);
  const b64 = Buffer.from(bytes).toString('base64');
  return `R.decodeWeights("${b64.length > 4096 ? dataToken(b64) : b64}", ${arrayType}) as ${arrayType}`;
}
