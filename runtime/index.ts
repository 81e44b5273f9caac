/** layergen/runtime: what generated modules import. Never imports the compiler. */
export * from './tensor.js';
export { expAll, expNum, sigmoidAll, sigmoidNum, tanhAll, tanhNum } from './scalar.js';
export * from './symbolic/index.js';
export * from './symbolicIo.js';
export * from './gpu.js';
export * from './weights.js';
export { kernelHeap, kernelInstance, type Kernel, type KernelHeap } from './kernels.js';
export { predictParallel, closeWorkers, type ParallelOptions, type ParallelJob } from './parallel.js';
