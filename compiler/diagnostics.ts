/**
 * How the CLI reports user errors: every problem of an error (compiler/errors.ts) as
 * `layergen: file:line:col: layer "name": message`, followed, for a problem in a text file (the
 * net.yaml), by a code frame of the offending line with a caret (@babel/code-frame). Colour only
 * when stderr is a terminal and NO_COLOR is unset (picocolors' rules, FORCE_COLOR too).
 * `--error-format json` prints one JSON document instead, for editors and build tools.
 */
import { codeFrameColumns } from '@babel/code-frame';
import { readFileSync, statSync } from 'node:fs';
import pc from 'picocolors';
import { formatError, LayergenErrors, problemsOf, type LayergenError } from './errors.js';

export interface Diagnostic {
  readonly severity: 'error';
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly layer?: string;
  /** The message without its place and layer. */
  readonly message: string;
  /** The whole line as the text format prints it. */
  readonly text: string;
}

export type ErrorFormat = 'text' | 'json';

export function diagnostics(e: LayergenError): Diagnostic[] {
  return problemsOf(e).map(single);
}

function single(p: LayergenError): Diagnostic {
  return {
    severity: 'error',
    ...(p.place.file !== undefined ? { file: p.place.file } : {}),
    ...(p.place.line !== undefined ? { line: p.place.line } : {}),
    ...(p.place.col !== undefined ? { column: p.place.col } : {}),
    ...(p.layer !== undefined ? { layer: p.layer } : {}),
    message: p.detail,
    text: p.message,
  };
}

const TEXT_FILE = /\.(ya?ml|json)$/i;
const MAX_FRAME_FILE = 8 << 20;

/** The file's text, for frames (text files up to 8 MiB that can still be read). */
function sourceOf(file: string, cache: Map<string, string | undefined>): string | undefined {
  if (!cache.has(file)) {
    let text: string | undefined;
    try {
      if (TEXT_FILE.test(file) && statSync(file).size <= MAX_FRAME_FILE) text = readFileSync(file, 'utf8');
    } catch {
      text = undefined;
    }
    cache.set(file, text);
  }
  return cache.get(file);
}

/** Whether stderr gets colour: a terminal, NO_COLOR unset (FORCE_COLOR forces it). */
export function stderrColor(): boolean {
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return process.stderr.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

/** Every problem as text, with code frames; `color` for a terminal. */
export function renderDiagnostics(e: LayergenError, opts: { color: boolean; frames?: boolean }): string {
  const c = pc.createColors(opts.color);
  const cache = new Map<string, string | undefined>();
  const out: string[] = [];
  // an importer's summary stands for its problems in text
  const shown = e instanceof LayergenErrors && e.summary ? [single(e)] : diagnostics(e);
  for (const d of shown) {
    const where = formatError('', { file: d.file, line: d.line, col: d.column });
    out.push(`${c.bold('layergen:')} ${c.cyan(where)}${c.red(d.text.slice(where.length))}`);
    const src = opts.frames !== false && d.file !== undefined && d.line !== undefined ? sourceOf(d.file, cache) : undefined;
    if (src !== undefined) {
      const frame = codeFrameColumns(src, { start: { line: d.line!, column: d.column ?? 1 } }, { highlightCode: opts.color, forceColor: opts.color, linesAbove: 1, linesBelow: 1 });
      if (frame) out.push(frame, '');
    }
  }
  return out.join('\n') + '\n';
}

/** The JSON form: `{"diagnostics": [...]}`. */
export function jsonDiagnostics(e: LayergenError): string {
  return JSON.stringify({ diagnostics: diagnostics(e).map(({ text: _t, ...d }) => d) }, null, 2) + '\n';
}

let format: ErrorFormat = 'text';

export function setErrorFormat(f: ErrorFormat): void {
  format = f;
}

/** Writes a user error to stderr in the chosen format. */
export function reportError(e: LayergenError): void {
  process.stderr.write(format === 'json' ? jsonDiagnostics(e) : renderDiagnostics(e, { color: stderrColor() }));
}
