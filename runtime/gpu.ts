/**
 * What generated gpu modules run on: a GpuRunner owns one gpu.js GPU instance and one kernel
 * per compute step (a recurrent scan: a kernel per cell, launched at every time step, see
 * gpuScan.ts), runs batches through them (chunked so no texture or index outgrows what the
 * backend can address), and reports which kernel class really ran.
 *
 * Data layout: every value is flat and batch-major, `value[b * size + e]`; a step's kernel has a
 * 1-D output of `size * n` threads for a chunk of n examples. Intermediates stay on the device
 * (gpu.js pipeline mode) and only the net's outputs are read back.
 *
 * Where the net starts with contractions whose epilogues have a GLSL form and the kernels are
 * GL ones with several float render targets (WebGL 1 or 2), those first steps run as a shader
 * chain on the kernels' context instead (gpuShaders.ts), and hand their values to the kernels
 * after them flat, as host arrays.
 *
 * gpu.js is an optional peer dependency of @layergen/runtime, imported lazily on the first run,
 * so numeric and symbolic modules never load it (or headless-gl's native module); where it is not
 * installed the first run fails with an error that names the package.
 */
import type { GPU, IKernelRunShortcut } from 'gpu.js';
import { registerGpuHelpers, type FunctionHost } from './gpuHelpers.js';
import { glRenderer } from './gpuRenderer.js';
import { readBack, resultLength, unpack } from './gpuReadback.js';
import { expandColumns, isPackedColumns, type PackedColumns } from './gpuPack.js';
import { chainOf, createShaderChain, type Chain, type ShaderChain } from './gpuShaders.js';
import type { GpuKernelStep, GpuNet, GpuStep } from './gpuNet.js';
import { runScan, scanKernels, scanSizes, untiledScan, type GpuScan, type Launch, type ScanKernels } from './gpuScan.js';
import {
  GPU_MODES,
  GPU_MODE_ENV,
  availableGpuModes,
  checkKernelMode,
  envGpuMode,
  kernelMode,
  parseGpuMode,
  type GpuMode,
  type KernelObject,
  type SupportStatics,
} from './gpuModes.js';

export { GPU_HELPERS, glslHelpers, registerGpuHelpers, type GpuHelperName } from './gpuHelpers.js';
export { packColumns, type PackedColumns } from './gpuPack.js';
export { loadedGlDriver } from './gpuRenderer.js';
export type { GpuKernelStep, GpuNet, GpuOutput, GpuStep } from './gpuNet.js';
export { chainOf, type Chain, type ChainStep, type ChainValue } from './gpuShaders.js';
export { floatTexture, preservingState, quadProgram, QUAD, QUAD_ATTRIBUTE, renderTargets, type DrawBuffers, type Gl, type GlHandle, type RenderTargets } from './gpuGl.js';
export {
  SCAN_KERNELS,
  scanBlockRows,
  type GpuScan,
  type GpuScanArg,
  type GpuScanCell,
  type GpuScanState,
} from './gpuScan.js';
export {
  GPU_MODES,
  GPU_MODE_ENV,
  availableGpuModes,
  checkKernelMode,
  envGpuMode,
  kernelMode,
  parseGpuMode,
  type GpuMode,
  type KernelObject,
  type SupportStatics,
} from './gpuModes.js';

/**
 * Kernel kinds that run tiled kernels (RGBA textures, `Array(4)` results): the GL ones. gpu.js's
 * WebAssembly kernels take neither; its cpu kernels would, more slowly than one float per thread.
 */
const TILED_MODES: ReadonlySet<GpuMode> = new Set(['headlessgl', 'webgl', 'webgl2']);

export interface GpuOptions {
  /**
   * Force a kernel kind (`webasm` is accepted for `webassembly`). A forced mode that cannot run
   * here, or kernels that come out of another kind, make runs throw instead of falling back.
   * Default: the LAYERGEN_GPU_MODE environment variable; `auto` (or unset) lets gpu.js choose.
   */
  readonly mode?: GpuMode | 'webasm' | 'auto';
  /** Largest number of examples per kernel launch (default: as many as the backend can address). */
  readonly maxChunk?: number;
  /**
   * Whether the contractions with pointwise epilogues a net starts with (an MLP's linear layers)
   * run as a shader chain on a GL context with several float render targets (gpuShaders.ts)
   * instead of gpu.js kernels (default true; other steps, kernel kinds and contexts always run
   * gpu.js kernels).
   */
  readonly shaderChain?: boolean;
}

export interface GpuBackendInfo {
  /** The kind of the kernels that ran last; null before the first run. */
  readonly mode: GpuMode | null;
  /** Their gpu.js class (`HeadlessGLKernel`, `CPUKernel`, ...), `A + B` if steps differ; null before the first run. */
  readonly kernel: string | null;
  /** The forced mode, if any. */
  readonly forced: GpuMode | null;
  /**
   * The GL renderer of GL kernels, where it can be read: WEBGL_debug_renderer_info's unmasked
   * renderer (browsers), else RENDERER; headless-gl says only "ANGLE", so the GL driver Node
   * loaded is added (Linux: from /proc/self/maps; Mesa llvmpipe is software rendering on the CPU).
   * null before the first run and for kernels that are not GL.
   */
  readonly renderer: string | null;
  /** Whether contractions ran tiled (GL kernels), or one float per thread. */
  readonly tiled: boolean;
  /**
   * Render targets (examples a fragment) of the shader chain, when the last run was one
   * (gpuShaders.ts: shaders drawn directly on the context of `kernel`); null when gpu.js kernels ran.
   */
  readonly shaderChain: number | null;
}

export interface GpuRunner {
  /** Runs `batch` examples; inputs flat batch-major in net.inputs order; outputs likewise. */
  run(inputs: readonly Float32Array[], batch: number): Promise<Float32Array[]>;
  info(): GpuBackendInfo;
  /** Releases the GPU instance (textures, contexts); a later run starts afresh. */
  dispose(): Promise<void>;
}

type GpujsModule = typeof import('gpu.js');
let gpujs: Promise<GpujsModule> | undefined;

/** gpu.js is CommonJS: under ESM its exports are the named exports, or `default` in some bundlers. */
function loadGpujs(module: string): Promise<GpujsModule> {
  gpujs ??= import('gpu.js').then(
    (m) => {
      const mod = m as GpujsModule & { default?: GpujsModule };
      return typeof mod.GPU === 'function' ? mod : mod.default!;
    },
    (e: unknown) => {
      gpujs = undefined;
      const code = (e as { code?: string }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package) 'gpu\.js'/.test(String(e))) {
        throw new Error(`${module}: gpu modules need the package gpu.js, which is not installed: npm install gpu.js (an optional peer dependency of @layergen/runtime)`);
      }
      throw e;
    },
  );
  return gpujs;
}

/** Floats index exactly up to 2^24: a chunk's flat index must stay below it on float GPUs. */
const MAX_FLAT = 2 ** 24;

interface Setup {
  readonly gpu: GPU;
  /** The net's steps as this kernel kind runs them (tiled, or each with its one-float kernel). */
  readonly steps: readonly GpuStep[];
  readonly tiled: boolean;
  /** Per step: its kernel, its scan's kernels, or null (a step of the shader chain; a pack or unpack step without tiles, or of a chain value). */
  readonly kernels: readonly (IKernelRunShortcut | ScanKernels | null)[];
  readonly chunk: number;
  /** The shader chain that runs the net's first steps (`plan.prefix`) instead of kernels, and the kernel whose context it draws on. */
  readonly shaders?: { readonly chain: ShaderChain; readonly plan: Chain; readonly on: KernelObject };
}

export function createGpuRunner(net: GpuNet, options: GpuOptions = {}): GpuRunner {
  const forced =
    options.mode === undefined
      ? envGpuMode()
      : parseGpuMode(options.mode, `${net.module}: configure({ mode })`);
  const forcedBy = options.mode === undefined ? GPU_MODE_ENV : 'configure({ mode })';
  let setup: Promise<Setup> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let last: { mode: GpuMode | null; kernel: string; renderer: string | null; tiled: boolean; shaderChain: number | null } | undefined;
  /** The GL renderer, read once (a GL run reads it; a kernel kind without GL leaves it unset). */
  let renderer: string | undefined;
  const hasTiles = net.steps.some((st) => (st.kind === 'scan' ? st.cells.some((c) => c.texels !== undefined) : st.texels !== undefined));

  async function init(): Promise<Setup> {
    const { GPU } = await loadGpujs(net.module);
    let gpu: GPU;
    if (forced) {
      const available = availableGpuModes(GPU as unknown as SupportStatics);
      const row = GPU_MODES[forced];
      const cannot = `${net.module}: gpu mode "${forced}" was forced (${forcedBy}) but gpu.js cannot create a ${row.kernel} here`;
      if (!available.includes(forced)) {
        throw new Error(`${cannot}; it needs ${row.needs}. Modes available here: ${available.join(', ')}.`);
      }
      try {
        gpu = new GPU({ mode: row.gpujs });
      } catch (e) {
        throw new Error(`${cannot}: ${(e as Error).message}`);
      }
    } else {
      gpu = new GPU();
    }
    registerGpuHelpers(gpu as unknown as FunctionHost); // gpu.js's typings omit string sources
    // gpu.js's cpu kernels cannot resize a pipeline result; there is no device memory to keep anyway.
    const pipeline = gpu.Kernel.mode !== 'cpu';
    const make = (source: string, given: GpuKernelStep['constants'] = {}, packed = false): IKernelRunShortcut => {
      const constants = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, isPackedColumns(v) ? expandColumns(v) : v]));
      return gpu.createKernel(source, {
        output: [1],
        dynamicOutput: true,
        dynamicArguments: true,
        pipeline,
        immutable: false,
        tactic: 'precision',
        constants: constants as Record<string, Float32Array>,
        // gpu.js does not infer the element type of a packed constant (a texel per entry)
        constantTypes: Object.fromEntries(Object.entries(constants).map(([k, v]) => [k, Array.isArray(v) ? 'Array1D(4)' : 'Array'])),
        ...(packed ? { returnType: 'Array(4)' as const } : {}),
      });
    };
    // A scan re-reads its sequence every step: graph inputs (host arrays) go to the device once.
    const hostValue = (i: number): number | null => (pipeline && i < net.inputs.length ? net.inputs[i]!.size : null);
    const mode = kernelMode(gpu.Kernel as unknown as KernelObject['constructor']);
    // tiled kernels need float textures (RGBA results, packed constants): gpu.js's "single" precision
    const features = (gpu.Kernel as unknown as { features?: { isTextureFloat?: boolean; isFloatRead?: boolean } }).features;
    const tiled = mode !== undefined && TILED_MODES.has(mode) && features?.isTextureFloat === true && features.isFloatRead === true;
    const shaders = tiled && options.shaderChain !== false ? shaderChainOn(gpu) : undefined;
    const steps = net.steps.map((s): GpuStep =>
      tiled ? s : s.kind === 'scan' ? untiledScan(s) : s.untiled ? { ...s, ...s.untiled, texels: undefined } : s,
    );
    // no kernel for the chain's steps, nor for unpacking its values: it reads them back flat
    const fromChain = (v: number): boolean => shaders !== undefined && v >= net.inputs.length && v < shaders.plan.at.length;
    const kernels = steps.map((s, j) =>
      j < (shaders?.plan.prefix ?? 0) || (s.kind !== 'scan' && s.repack && (!tiled || fromChain(s.args[0]!)))
        ? null
        : s.kind === 'scan'
          ? scanKernels(s, make, hostValue, tiled)
          : make(s.source, s.constants, s.texels !== undefined),
    );
    const chunk = Math.min(shaders?.chain.maxBatch ?? Infinity, chunkSize(net, gpu, options.maxChunk));
    return { gpu, kernels, chunk, steps, tiled, ...(shaders ? { shaders } : {}) };
  }

  /**
   * The shader chain on the context of this instance's GL kernels, where the net starts with
   * one: a first, trivial kernel creates the context (and is checked against a forced mode like any).
   */
  function shaderChainOn(gpu: GPU): Setup['shaders'] {
    const chain = chainOf(net);
    if (!chain) return undefined;
    const probe = gpu.createKernel('function () { return 1.0; }', { output: [1] });
    probe();
    const on = (probe as unknown as { kernel: KernelObject }).kernel;
    checkKernelMode(forced, on, `${net.module}: gpu mode "${forced}" was forced (${forcedBy}) but the shader chain's context`);
    let shaders: ShaderChain | undefined;
    try {
      shaders = createShaderChain((on as unknown as { context?: unknown }).context, chain, net.module);
    } catch (e) {
      // a driver that rejects the chain's shaders: the kernels still run (backendInfo().shaderChain is null)
      console.warn(`${(e as Error).message}; running gpu.js kernels instead`);
      return undefined;
    }
    return shaders && { chain: shaders, plan: chain, on };
  }

  async function runNow(inputs: readonly Float32Array[], batch: number): Promise<Float32Array[]> {
    const s = await (setup ??= init());
    const outs = net.outputs.map((o) => new Float32Array(batch * o.size));
    /** Value indices below this are the inputs and the chain's values (flat, host arrays). */
    const chainEnd = s.shaders?.plan.at.length ?? net.inputs.length;
    for (let start = 0; start < batch; start += s.chunk) {
      const n = Math.min(s.chunk, batch - start);
      const values: unknown[] = net.inputs.map((inp, i) =>
        inputs[i]!.subarray(start * inp.size, (start + n) * inp.size),
      );
      const classes = new Set<KernelObject>();
      if (s.shaders) {
        const { chain, plan, on } = s.shaders;
        const flat = chain.run(values as Float32Array[], n);
        for (let v = net.inputs.length; v < plan.at.length; v++) {
          const c = plan.at[v]!;
          values.push('step' in c ? (flat.get(c.step) ?? null) : values[c.input]);
        }
        classes.add(on);
      }
      for (let j = s.shaders?.plan.prefix ?? 0; j < s.steps.length; j++) {
        const step = s.steps[j]!;
        const launch = launcher(step.layer, n, classes);
        const k = s.kernels[j]!;
        if (k === null) {
          values.push(values[(step as GpuKernelStep).args[0]!]);
          continue;
        }
        values.push(
          step.kind === 'scan'
            ? await runScan(step, k as ScanKernels, values, launch)
            : await launch(k as IKernelRunShortcut, step.texels ?? step.size, step.args.map((a) => values[a])),
        );
      }
      for (let j = 0; j < net.outputs.length; j++) {
        const o = net.outputs[j]!;
        const dst = outs[j]!;
        if ('constant' in o) {
          for (let b = start; b < start + n; b++) dst.set(o.constant, b * o.size);
        } else if (o.texels !== undefined && s.tiled && o.value >= chainEnd) {
          unpack(await readBack(values[o.value], o.texels * n * 4, o.name, true), o.size, o.texels, dst, start);
        } else {
          dst.set(await readBack(values[o.value], o.size * n, o.name), start * o.size);
        }
      }
      if (classes.size > 0) {
        renderer ??= glRenderer([...classes]) ?? undefined;
        last = { ...describeKernels([...classes]), renderer: renderer ?? null, tiled: s.tiled && hasTiles, shaderChain: s.shaders?.chain.targets ?? null };
      }
    }
    return outs;
  }

  /** Output size each kernel was last set to: resizing deletes a kernel's output texture. */
  const outputSizes = new WeakMap<IKernelRunShortcut, number>();

  /** Launches kernels of layer `layer` over chunks of `n` examples, checking what ran. */
  function launcher(layer: string, n: number, classes: Set<KernelObject>): Launch {
    return async (k, size, args) => {
      if (outputSizes.get(k) !== size * n) {
        k.setOutput([size * n]);
        outputSizes.set(k, size * n);
      }
      const v: unknown = await k(...(args as Parameters<IKernelRunShortcut>));
      const ran = (k as unknown as { kernel: KernelObject }).kernel;
      checkKernelMode(
        forced,
        ran,
        `${net.module}: gpu mode "${forced}" was forced (${forcedBy}) but layer ${JSON.stringify(layer)}`,
      );
      checkLength(layer, v, size * n);
      classes.add(ran);
      return v;
    };
  }

  function checkLength(layer: string, v: unknown, want: number): void {
    const got = resultLength(v);
    if (got !== undefined && got !== want) {
      throw new Error(
        `${net.module}: layer ${JSON.stringify(layer)}: gpu.js returned ${got} values for an output of ${want} ` +
          `(a gpu.js fallback kernel that cannot resize; force a mode or use a fixed batch size)`,
      );
    }
  }

  return {
    run(inputs, batch) {
      const job = queue.then(() => runNow(inputs, batch));
      queue = job.catch(() => undefined);
      return job;
    },
    info() {
      return { mode: last?.mode ?? null, kernel: last?.kernel ?? null, forced: forced ?? null, renderer: last?.renderer ?? null, tiled: last?.tiled ?? false, shaderChain: last?.shaderChain ?? null };
    },
    async dispose() {
      const pending = setup;
      setup = undefined;
      await queue;
      if (pending) await (await pending.catch(() => undefined))?.gpu.destroy();
    },
  };
}

/** Examples per launch: every flat value of the chunk stays float-exact and fits a texture. */
function chunkSize(net: GpuNet, gpu: GPU, maxChunk: number | undefined): number {
  const maxTex = (gpu.Kernel.features as { maxTextureSize?: number } | undefined)?.maxTextureSize;
  const limit = maxTex ? Math.min(MAX_FLAT, (maxTex - 1) ** 2) : MAX_FLAT;
  const widest = Math.max(
    1,
    ...net.inputs.map((i) => i.size),
    ...net.steps.flatMap((s) => (s.kind === 'scan' ? scanSizes(s) : [s.size])),
  );
  if (widest > limit) {
    throw new Error(
      `${net.module}: a value of ${widest} elements per example is more than ${gpu.Kernel.name} can address (${limit})`,
    );
  }
  const chunk = Math.floor(limit / widest);
  return maxChunk !== undefined && maxChunk >= 1 ? Math.min(chunk, Math.floor(maxChunk)) : chunk;
}

function describeKernels(ks: readonly KernelObject[]): { mode: GpuMode | null; kernel: string } {
  const names = [...new Set(ks.map((k) => k.constructor.name))];
  const modes = new Set(ks.map((k) => kernelMode(k.constructor)));
  const mode = modes.size === 1 ? ([...modes][0] ?? null) : null;
  return { mode, kernel: names.join(' + ') };
}
