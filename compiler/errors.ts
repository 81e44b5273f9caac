/** A user-facing error with a place: `net.yaml:14:7: layer "fc2": message`. */
export interface Place {
  file?: string;
  line?: number;
  col?: number;
}

export class LayergenError extends Error {
  constructor(
    readonly detail: string,
    readonly place: Place = {},
    readonly layer?: string,
  ) {
    super(formatError(detail, place, layer));
    this.name = 'LayergenError';
  }
}

export function formatError(detail: string, place: Place, layer?: string): string {
  let where = '';
  if (place.file) {
    where = place.file;
    if (place.line !== undefined) where += `:${place.line}`;
    if (place.col !== undefined) where += `:${place.col}`;
    where += ': ';
  }
  return `${where}${layer !== undefined ? `layer ${JSON.stringify(layer)}: ` : ''}${detail}`;
}

/** At most this many problems of one file are reported (the rest are counted). */
export const MAX_PROBLEMS = 50;

/**
 * Several problems of one input, all reported at once (each with its place); thrown only when
 * there are two or more — a single problem is thrown as itself.
 */
export class LayergenErrors extends LayergenError {
  /**
   * `summary`: one message standing for them all in text (an importer's `cannot import: 3
   * problems (...)` with a line per problem); JSON diagnostics still list each.
   */
  constructor(
    readonly all: readonly LayergenError[],
    readonly summary?: { readonly detail: string; readonly place: Place },
  ) {
    super(summary ? summary.detail : all.map((e) => e.message).join('\n'), summary?.place ?? {});
    this.name = 'LayergenErrors';
  }
}

/** The problems of an error: its list, or itself. */
export const problemsOf = (e: LayergenError): readonly LayergenError[] => (e instanceof LayergenErrors ? e.all : [e]);

/** Throws the collected problems (nothing when there are none). */
export function throwProblems(problems: readonly LayergenError[]): void {
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new LayergenErrors(problems);
}

/** Thrown by op shape rules; the frontend re-throws it with the layer's place. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}
