/**
 * @layergen/runtime/gpu: what generated gpu modules import — everything in the main entry plus
 * the gpu.js runner. gpu.js (an optional peer dependency) is loaded on the first run only.
 */
export * from './index.js';
export * from './gpu.js';
