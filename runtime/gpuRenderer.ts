/**
 * The GL renderer a gpu module's kernels ran on, for backendInfo(): what the WebGL context says,
 * completed with the GL driver the process loaded where headless-gl masks it.
 */
import { nodeBuiltin } from './host.js';
import type { KernelObject } from './gpuModes.js';

/** The subset of a WebGL context read for the renderer. */
interface GlLike {
  readonly RENDERER: number;
  getParameter(p: number): unknown;
  getExtension(name: string): { readonly UNMASKED_RENDERER_WEBGL: number } | null;
}

/** See GpuBackendInfo.renderer. */
export function glRenderer(ks: readonly KernelObject[]): string | null {
  const gl = ks.map((k) => (k as unknown as { context?: unknown }).context).find((c): c is GlLike => typeof (c as GlLike | undefined)?.getParameter === 'function');
  if (!gl) return null;
  let renderer: string;
  try {
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return null;
  }
  const driver = renderer === 'ANGLE' ? loadedGlDriver() : null;
  return driver ? `${renderer} (${driver})` : renderer;
}

/** The GL driver this process loaded, from /proc/self/maps (Linux, Node); null elsewhere. */
export function loadedGlDriver(): string | null {
  let maps: string;
  try {
    maps = nodeBuiltin('node:fs')?.readFileSync('/proc/self/maps', 'utf8') ?? '';
  } catch {
    return null;
  }
  const libs = [...new Set(maps.split('\n').map((l) => l.split(/\s+/)[5] ?? '').filter((f) => f.startsWith('/')).map((f) => f.split('/').pop()!))];
  const nvidia = libs.find((f) => /^libnvidia-glcore/.test(f));
  if (nvidia) return `NVIDIA driver, ${nvidia}`;
  const dri = libs.find((f) => /_dri\.so$/.test(f))?.replace(/_dri\.so$/, '');
  const llvm = libs.find((f) => /^libLLVM-\d+/.test(f))?.match(/^libLLVM-(\d+)/)?.[1];
  if (dri === 'swrast' || dri === 'kms_swrast') return `Mesa llvmpipe${llvm ? `, LLVM ${llvm}` : ''}: software rendering on the CPU`;
  return dri ? `Mesa ${dri} driver` : null;
}
