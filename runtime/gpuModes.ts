/**
 * The gpu.js backends layergen can run on, and how to tell which one really ran. gpu.js 2.24.1
 * has six kernel classes, all usable here:
 *
 * | mode        | class             | where it runs                                              |
 * | ----------- | ----------------- | ---------------------------------------------------------- |
 * | headlessgl  | HeadlessGLKernel  | Node + `gl`, with an OpenGL context (Linux: a display/xvfb) |
 * | webgl2      | WebGL2Kernel      | browsers                                                   |
 * | webgl       | WebGLKernel       | browsers                                                   |
 * | webgpu      | WebGPUKernel      | where `navigator.gpu` exists; never auto-selected          |
 * | webassembly | WebAssemblyKernel | anywhere (gpu.js calls it `webasm`)                        |
 * | cpu         | CPUKernel         | anywhere                                                   |
 *
 * Without a forced mode gpu.js tries headlessgl, webgl2, webgl, webasm, then cpu. `gpu.mode` is
 * no guide to what it picked (it says `gpu`), and a kernel that fails to build falls back to cpu
 * with only a console warning, so the truth is read from the class of the built kernel object.
 */

/** A kernel kind, named after the gpu.js kernel class it stands for. */
export type GpuMode = 'headlessgl' | 'webgl' | 'webgl2' | 'webgpu' | 'webassembly' | 'cpu';

interface ModeRow {
  /** The `mode` setting gpu.js takes for it. */
  readonly gpujs: 'headlessgl' | 'webgl' | 'webgl2' | 'webgpu' | 'webasm' | 'cpu';
  /** The gpu.js kernel class. */
  readonly kernel: string;
  /** The `GPU.is...Supported` static that says whether it can run here. */
  readonly supported: string | null;
  /** What it needs, for error messages. */
  readonly needs: string;
}

export const GPU_MODES: Readonly<Record<GpuMode, ModeRow>> = {
  headlessgl: {
    gpujs: 'headlessgl',
    kernel: 'HeadlessGLKernel',
    supported: 'isHeadlessGLSupported',
    needs:
      'Node with the `gl` package and an OpenGL context (on Linux without a display, run under `xvfb-run -a`)',
  },
  webgl: {
    gpujs: 'webgl',
    kernel: 'WebGLKernel',
    supported: 'isWebGLSupported',
    needs: 'a browser with WebGL',
  },
  webgl2: {
    gpujs: 'webgl2',
    kernel: 'WebGL2Kernel',
    supported: 'isWebGL2Supported',
    needs: 'a browser with WebGL2',
  },
  webgpu: {
    gpujs: 'webgpu',
    kernel: 'WebGPUKernel',
    supported: 'isWebGPUSupported',
    needs:
      '`navigator.gpu` (a WebGPU browser, or in Node a WebGPU binding installed as globalThis.navigator.gpu)',
  },
  webassembly: {
    gpujs: 'webasm',
    kernel: 'WebAssemblyKernel',
    supported: 'isWebAssemblySupported',
    needs: 'WebAssembly',
  },
  cpu: { gpujs: 'cpu', kernel: 'CPUKernel', supported: null, needs: 'nothing' },
};

const MODE_NAMES = Object.keys(GPU_MODES) as GpuMode[];

/** The environment variable that forces a mode. */
export const GPU_MODE_ENV = 'LAYERGEN_GPU_MODE';

/**
 * A mode name as users write it: one of GpuMode, or gpu.js's own `webasm`. `auto` and the
 * empty string mean "let gpu.js choose" (undefined). Anything else throws.
 */
export function parseGpuMode(value: string | undefined, where: string): GpuMode | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return undefined;
  if (v === 'webasm') return 'webassembly';
  if ((MODE_NAMES as string[]).includes(v)) return v as GpuMode;
  throw new Error(`${where}: unknown gpu mode "${value}" (valid: ${MODE_NAMES.join(', ')}, or auto)`);
}

/** The mode forced by LAYERGEN_GPU_MODE, if any (undefined outside Node). */
export function envGpuMode(): GpuMode | undefined {
  const env = typeof process === 'undefined' ? undefined : process.env?.[GPU_MODE_ENV];
  return parseGpuMode(env, GPU_MODE_ENV);
}

/** The statics of the gpu.js `GPU` class that report support. */
export type SupportStatics = Readonly<Record<string, unknown>>;

/** Modes gpu.js says it could run here (cpu always). */
export function availableGpuModes(GPU: SupportStatics): GpuMode[] {
  return MODE_NAMES.filter((m) => {
    const s = GPU_MODES[m].supported;
    return s === null || GPU[s] === true;
  });
}

/** A gpu.js kernel class, as far as layergen looks at it. */
export interface KernelClass {
  readonly name: string;
  readonly mode?: string;
}

/**
 * The mode a kernel object ran as, from its class: the static `mode` gpu.js gives each kernel
 * class (survives minification), else the class name.
 */
export function kernelMode(cls: KernelClass): GpuMode | undefined {
  const byMode = MODE_NAMES.find((m) => GPU_MODES[m].gpujs === cls.mode);
  return byMode ?? MODE_NAMES.find((m) => GPU_MODES[m].kernel === cls.name);
}

/** A built gpu.js kernel object (`shortcut.kernel`), as far as layergen looks at it. */
export interface KernelObject {
  readonly constructor: KernelClass;
  readonly fallbackReason?: string | null;
}

/**
 * Throws when a kernel built under a forced mode is of another kind: gpu.js falls back to its
 * cpu kernel with no more than a console warning, and a forced mode must not.
 * `where` opens the message, e.g. `mlp.gpu: gpu mode "headlessgl" was forced (...) but layer "fc1"`.
 */
export function checkKernelMode(forced: GpuMode | undefined, k: KernelObject, where: string): void {
  if (!forced || kernelMode(k.constructor) === forced) return;
  const why = k.fallbackReason ? ` (gpu.js fell back: ${k.fallbackReason})` : '';
  throw new Error(
    `${where} ran on ${k.constructor.name}${why}, not ${GPU_MODES[forced].kernel}; refusing to fall back silently`,
  );
}
