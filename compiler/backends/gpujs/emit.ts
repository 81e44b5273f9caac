/**
 * The gpu backend: a module of gpu.js kernel sources, one per compute step (one per cell for a
 * recurrent scan, see scan.ts), and the net description the runtime's GpuRunner executes. Same API as the numeric module, but async
 * (GPU readback and WebGPU are asynchronous), float32 whatever the requested precision
 * (gpu.js computes in float32), plus `configure({ mode })`, `backendInfo()` and `dispose()`.
 *
 * Kernel sources are emitted as template strings, not functions: gpu.js re-parses kernel text,
 * and a user's bundler, minifier or TS downlevel pass would otherwise rewrite kernels into
 * forms it cannot translate (`1/0`, integer literals, comma expressions...).
 */
import type { SourceFile } from 'ts-morph';
import type { Graph } from '../../ir/graph.js';
import { CONST, LET, dataInitializer, type ModuleSpec } from '../module.js';
import { lit } from '../names.js';
import { describe, plan, type Plan } from '../plan.js';
import { fillTemplate, packageVersion, runtimeCheck, GPU_RUNTIME_MODULE } from '../templates.js';
import { addInterfaces, addShapes, batchAxisArgs, batchDoc, dtypeArg, outputLayout } from '../numeric/emit.js';
import { elementKernel, packKernel, stepKernel, stepSlots, tiledKernel, unpackKernel, type KernelSpec, type SlotSource } from './kernel.js';
import { hoistReductions, LANES, schedule } from './schedule.js';
import { glslEpilogue, type GlslEpilogue } from './glsl.js';
import { scanEntry, type KernelDecl } from './scan.js';

export interface GpuOptions {
  /** Ignored: gpu.js computes in float32. */
  readonly precision?: string;
  readonly source: string;
}

/** A kernel source as a template literal (it never contains a backtick or `${`). */
function templateLiteral(text: string): string {
  return `\`${text.replace(/[`\\]|\$\{/g, (m) => `\\${m}`)}\``;
}

/** The GpuNet object literal and the kernel source (gpu.js) and GLSL epilogue constants it refers to. */
export function netSpec(
  p: Plan,
  module: string,
): { kernels: KernelDecl[]; shaders: KernelDecl[]; net: string } {
  // value indices: the inputs, then each step's value as it is pushed (pack steps included)
  const valueIndex = new Map<number, number>();
  p.inputs.forEach((r, i) => valueIndex.set(r.node, i));
  const kernels: KernelDecl[] = [];
  const shaders: KernelDecl[] = [];
  const sched = schedule(p);
  const texels = (node: number): number => Math.ceil(p.sizes.get(node)! / LANES);
  const steps: string[] = [];
  const push = (literal: string): number => steps.push(literal) - 1 + p.inputs.length;
  /** Value index of node `u` packed: a pack step the first time an unpacked value is read packed. */
  const packedIndex = new Map<number, number>();
  const packed = (u: number, layer: string): number => {
    if (sched.packed.has(u)) return valueIndex.get(u)!;
    const known = packedIndex.get(u);
    if (known !== undefined) return known;
    const id = p.names.claim(`k_${layer}_pack`);
    kernels.push({ id, doc: `the input of layer ${JSON.stringify(layer)} packed four floats to a texel (thread.x = example * ${texels(u)} + element / ${LANES})`, source: packKernel(p.sizes.get(u)!) });
    const i = push(`{ layer: ${lit(`${layer} (pack)`)}, source: ${id}, size: ${p.sizes.get(u)}, texels: ${texels(u)}, args: [${valueIndex.get(u)!}], constants: {}, repack: true }`);
    packedIndex.set(u, i);
    return i;
  };
  /** Value index of node `u` flat: an unpack step the first time a packed value is read flat. */
  const flatIndex = new Map<number, number>();
  const flat = (u: number, layer: string): number => {
    if (!sched.packed.has(u)) return valueIndex.get(u)!;
    const known = flatIndex.get(u);
    if (known !== undefined) return known;
    const id = p.names.claim(`k_${layer}_unpack`);
    kernels.push({ id, doc: `the packed input of layer ${JSON.stringify(layer)}, one float per thread (thread.x = example * size + element)`, source: unpackKernel(p.sizes.get(u)!) });
    const i = push(`{ layer: ${lit(`${layer} (unpack)`)}, source: ${id}, size: ${p.sizes.get(u)}, args: [${packed(u, layer)}], constants: {}, repack: true }`);
    flatIndex.set(u, i);
    return i;
  };
  /** Whether every step so far is a tiled step with a GLSL epilogue (runtime/gpuShaders.ts: a shader chain). */
  let leading = true;
  for (const s of p.steps) {
    const c = s.kind === 'formula' ? sched.tiled.get(s.node.id) : undefined;
    if (!c) leading = false;
    // where this step reads each input: packed for a tiled step's x, else flat
    const reads = new Map(valueIndex);
    s.node.inputs.forEach((u, slot) => valueIndex.has(u) && reads.set(u, c && slot === c.slot ? packed(u, s.node.name) : flat(u, s.node.name)));
    if (s.kind === 'scan') {
      const scan = scanEntry(p, s, reads, (base) => p.names.claim(base));
      kernels.push(...scan.kernels);
      valueIndex.set(s.node.id, push(scan.literal));
      continue;
    }
    // the value index of each input slot: the step's inputs, then its hoisted reductions
    const hoisted: number[] = [];
    const fields = (k: KernelSpec, id: string, at: ReadonlyMap<number, number>): string => {
      const index = (slot: number): number => (slot < s.node.inputs.length ? at.get(s.node.inputs[slot]!)! : hoisted[slot - s.node.inputs.length]!);
      const constants = Object.entries(k.constants).map(([name, ref]) => `${name}: ${ref}`);
      return `source: ${id}, args: [${k.args.map((a) => index(a.slot)).join(', ')}], constants: { ${constants.join(', ')} }`;
    };
    if (!c) {
      // reductions that do not depend on every output index get their own kernels (schedule.ts)
      const { parts, formula } = hoistReductions(s.formula, s.out.shape, s.node.inputs.length);
      const slots: SlotSource[] = stepSlots(p, s);
      const inShapes = s.inTypes.map((t) => t.shape);
      parts.forEach((part, j) => {
        const k = elementKernel({ formula: part.formula, outShape: part.shape, inShapes, params: s.params, slots });
        const id = p.names.claim(`k_${s.node.name}_reduce`);
        const size = part.shape.reduce((a, b) => a * b, 1);
        kernels.push({ id, doc: `${describe(s)}: reduction ${j + 1} of ${parts.length}, once per [${part.shape.join(', ')}] (thread.x = example * ${size} + element)`, source: k.source });
        hoisted.push(push(`{ layer: ${lit(`${s.node.name} (reduction ${j + 1})`)}, size: ${size}, ${fields(k, id, reads)} }`));
        slots.push({ kind: 'value', size });
        inShapes.push(part.shape);
      });
      const k = parts.length ? elementKernel({ formula, outShape: s.out.shape, inShapes, params: s.params, slots }) : stepKernel(s, slots);
      const id = p.names.claim(`k_${s.node.name}`);
      kernels.push({ id, doc: `${describe(s)}; thread.x = example * size + element`, source: k.source });
      valueIndex.set(s.node.id, push(`{ layer: ${lit(s.node.name)}, size: ${p.sizes.get(s.node.id)}, ${fields(k, id, reads)} }`));
      continue;
    }
    // a tiled step, and its one-float-per-thread kernel for kernel kinds without tiles
    const one = stepKernel(s, stepSlots(p, s));
    const oneId = p.names.claim(`k_${s.node.name}`);
    kernels.push({ id: oneId, doc: `${describe(s)}; thread.x = example * size + element`, source: one.source });
    const k = tiledKernel({ outShape: s.out.shape, inShapes: s.inTypes.map((t) => t.shape), params: s.params }, c);
    const id = p.names.claim(`k_${s.node.name}_tiled`);
    kernels.push({ id, doc: `${describe(s)}, tiled: ${LANES} outputs per thread (thread.x = example * ${texels(s.node.id)} + output / ${LANES})`, source: k.source });
    // the same epilogue in GLSL, for the runtime's shader chain: only the tiled steps a net starts with can be in one
    const glsl: GlslEpilogue | undefined = leading ? glslEpilogue({ outShape: s.out.shape, inShapes: s.inTypes.map((t) => t.shape), params: s.params }, c) : undefined;
    leading = glsl !== undefined;
    let glslField = '';
    if (glsl) {
      const gid = p.names.claim(`g_${s.node.name}_epilogue`);
      shaders.push({ id: gid, doc: `${describe(s)}: the epilogue of its shader-chain step (GLSL)`, source: glsl.source });
      glslField = `, glsl: { epilogue: ${gid}, params: [${glsl.params.map((n) => s.params[n]!.id).join(', ')}] }`;
    }
    // the one-float kernel reads its inputs flat: without tiles, pack and unpack steps pass values through
    valueIndex.set(
      s.node.id,
      push(`{ layer: ${lit(s.node.name)}, size: ${p.sizes.get(s.node.id)}, texels: ${texels(s.node.id)}, ${fields(k, id, reads)}, untiled: { ${fields(one, oneId, valueIndex)} }${glslField} }`),
    );
  }
  const outputs = p.outputs.map((o) => {
    const v = valueIndex.get(o.node);
    const size = p.sizes.get(o.node)!;
    return v === undefined
      ? `{ name: ${lit(o.name)}, size: ${size}, constant: ${p.value.get(o.node)!} }`
      : `{ name: ${lit(o.name)}, size: ${size}, value: ${v}${sched.packed.has(o.node) ? `, texels: ${texels(o.node)}` : ''} }`;
  });
  const net = [
    '{',
    `module: ${lit(module)},`,
    `inputs: [${p.inputs.map((i) => `{ name: ${lit(i.name)}, size: ${p.sizes.get(i.node)} }`).join(', ')}],`,
    `steps: [${steps.join(',\n')}],`,
    `outputs: [${outputs.join(', ')}],`,
    '}',
  ].join('\n');
  return { kernels, shaders, net };
}

export function gpuModule(g: Graph, opts: GpuOptions): ModuleSpec {
  const p = plan(g);
  const module = `${g.name}.gpu`;
  const modName = lit(module);
  const names = p.inputs.map((i) => lit(i.name)).join(', ');
  const { kernels, shaders, net } = netSpec(p, module);
  const netId = p.names.claim('net');
  const runnerId = p.names.claim('runner');
  return {
    base: module,
    header: fillTemplate('header.txt', {
      name: g.name,
      target: 'gpu',
      version: packageVersion(),
      source: opts.source,
      summary:
        'gpu.js evaluator, float32. await predict(inputs) / predictBatch(inputs, batch); configure({ mode }) or ' +
        'LAYERGEN_GPU_MODE forces a backend; backendInfo() names the kernel class that ran.',
    }),
    fill(sf: SourceFile) {
      sf.addImportDeclaration({ moduleSpecifier: GPU_RUNTIME_MODULE, namespaceImport: 'R' });
      sf.addStatements(runtimeCheck(modName));
      addShapes(sf, p);
      addInterfaces(sf, p, 'R.NumericInput', 'Float32Array');
      for (const t of p.tensors) {
        sf.addVariableStatement({
          declarationKind: CONST,
          declarations: [{ name: t.id, initializer: dataInitializer(t.tensor.data, 'Float32Array') }],
          leadingTrivia: `// ${JSON.stringify(t.label)} [${t.tensor.shape.join(', ')}]\n`,
        });
      }
      for (const k of [...kernels, ...shaders]) {
        sf.addVariableStatement({
          declarationKind: CONST,
          docs: [`${k.doc.replace(/\*\//g, '*\\/')}.`],
          declarations: [{ name: k.id, initializer: templateLiteral(k.source) }],
        });
      }
      sf.addVariableStatement({
        declarationKind: CONST,
        declarations: [{ name: netId, type: 'R.GpuNet', initializer: net }],
      });
      sf.addVariableStatement({
        declarationKind: LET,
        declarations: [{ name: runnerId, type: 'R.GpuRunner | undefined' }],
      });
      sf.addFunction({
        name: 'configure',
        isExported: true,
        docs: [
          'Chooses the backend for later predictions: `mode` forces a kernel kind (headlessgl, webgl, webgl2, webgpu,\n' +
            'webassembly, cpu) and runs throw rather than fall back; `auto` lets gpu.js choose. Without a call,\n' +
            'the LAYERGEN_GPU_MODE environment variable decides. `maxChunk` caps examples per kernel launch.',
        ],
        parameters: [{ name: 'options', type: 'R.GpuOptions', initializer: '{}' }],
        returnType: 'void',
        statements: [`void ${runnerId}?.dispose();`, `${runnerId} = R.createGpuRunner(${netId}, options);`],
      });
      sf.addFunction({
        name: 'predictBatch',
        isExported: true,
        isAsync: true,
        docs: [batchDoc(p)],
        parameters: [
          { name: 'inputs', type: 'Inputs' },
          { name: 'batch', type: 'number' },
        ],
        returnType: 'Promise<Outputs>',
        statements: [
          `R.checkBatch(batch, ${modName});`,
          `R.checkInputNames(inputs, [${names}], ${modName});`,
          ...p.inputs.map((i) => {
            const read = `R.readInput(inputs, ${lit(i.name)}, inputShapes[${lit(i.name)}], batch, Float32Array, ${modName}${batchAxisArgs(i)})`;
            return `const ${i.id} = ${i.batchAxis ? `R.batchToFront(${read}, inputShapes[${lit(i.name)}], batch, ${i.batchAxis})` : read} as Float32Array;`;
          }),
          `${runnerId} ??= R.createGpuRunner(${netId});`,
          `const outs = await ${runnerId}.run([${p.inputs.map((i) => i.id).join(', ')}], batch);`,
          ...p.outputs.map((o, j) => `const ${o.id} = outs[${j}]!;`),
          `return { ${p.outputs.map((o) => `${lit(o.name)}: ${outputLayout(o)}`).join(', ')} };`,
        ],
      });
      sf.addFunction({
        name: 'predict',
        isExported: true,
        isAsync: true,
        docs: ['Evaluates one example; each input is flat row-major or nested in its shape.'],
        parameters: [{ name: 'inputs', type: 'Inputs' }],
        returnType: 'Promise<Outputs>',
        statements: [
          `R.checkInputNames(inputs, [${names}], ${modName});`,
          'return predictBatch(',
          `{ ${p.inputs
            .map(
              (i) =>
                `${lit(i.name)}: R.readInput(inputs, ${lit(i.name)}, inputShapes[${lit(i.name)}], undefined, Float32Array, ${modName}${dtypeArg(i)})`,
            )
            .join(', ')} },`,
          '1);',
        ],
      });
      sf.addFunction({
        name: 'backendInfo',
        isExported: true,
        docs: [
          'The kernel kind that actually ran the last prediction, from the gpu.js kernel class (never from\n' +
            '`gpu.mode`); `mode` and `kernel` are null before the first prediction.',
        ],
        returnType: 'R.GpuBackendInfo',
        statements: [
          `return ${runnerId}?.info() ?? { mode: null, kernel: null, forced: R.envGpuMode() ?? null, renderer: null, tiled: false, shaderChain: null };`,
        ],
      });
      sf.addFunction({
        name: 'dispose',
        isExported: true,
        isAsync: true,
        docs: ['Releases the GPU resources; the next prediction sets them up again.'],
        returnType: 'Promise<void>',
        statements: [`const r = ${runnerId};`, `${runnerId} = undefined;`, 'await r?.dispose();'],
      });
    },
  };
}
