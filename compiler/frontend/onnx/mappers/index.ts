/** The op mapping table: ONNX op type (or `layergen.<pattern>`) -> mapper, one family per file. */
import { ACTIVATIONS } from './activations.js';
import { ARITHMETIC } from './arithmetic.js';
import type { Mapper } from './common.js';
import { LINEAR } from './linear.js';
import { MATH } from './math.js';
import { RECURRENT } from './recurrent.js';
import { SHAPE } from './shape.js';
import { SPATIAL } from './spatial.js';

export type { Cx, Mapper } from './common.js';

export const MAPPERS: Readonly<Record<string, Mapper>> = { ...ACTIVATIONS, ...ARITHMETIC, ...LINEAR, ...MATH, ...SHAPE, ...SPATIAL, ...RECURRENT };
