/**
 * @layergen/runtime: what generated numeric and symbolic modules import. Never imports the
 * compiler, has no dependencies and no static `node:` imports, so it bundles for browsers as is.
 * Generated gpu modules import `@layergen/runtime/gpu` (gpuIndex.ts), which needs gpu.js.
 */
export * from './tensor.js';
export { expAll, expNum, sigmoidAll, sigmoidNum, tanhAll, tanhNum, EXP2_64, INV_LN2_64, LN2_64_HI, LN2_64_LO } from './scalar.js';
export * from './symbolic/index.js';
export * from './symbolicIo.js';
export * from './weights.js';
export { kernelHeap, kernelInstance, type Kernel, type KernelHeap, type MapKernel } from './kernels.js';
export { predictParallel, closeWorkers, activeWorkers, type ParallelOptions, type ParallelJob } from './parallel.js';
export { RUNTIME_VERSION, checkRuntime, runtimeCompatible } from './version.js';
