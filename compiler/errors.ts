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

/** Thrown by op shape rules; the frontend re-throws it with the layer's place. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}
