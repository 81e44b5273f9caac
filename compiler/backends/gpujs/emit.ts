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
import { stepKernel, stepSlots } from './kernel.js';
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

/** The GpuNet object literal and the kernel source constants it refers to. */
function netSpec(
  p: Plan,
  module: string,
): { kernels: KernelDecl[]; net: string } {
  const valueIndex = new Map<number, number>();
  p.inputs.forEach((r, i) => valueIndex.set(r.node, i));
  p.steps.forEach((s, j) => valueIndex.set(s.node.id, p.inputs.length + j));
  const kernels: KernelDecl[] = [];
  const steps = p.steps.map((s) => {
    if (s.kind === 'scan') {
      const scan = scanEntry(p, s, valueIndex, (base) => p.names.claim(base));
      kernels.push(...scan.kernels);
      return scan.literal;
    }
    const k = stepKernel(s, stepSlots(p, s));
    const id = p.names.claim(`k_${s.node.name}`);
    kernels.push({ id, doc: describe(s), source: k.source });
    const args = k.args.map((a) => valueIndex.get(s.node.inputs[a.slot]!)!);
    const constants = Object.entries(k.constants).map(([name, ref]) => `${name}: ${ref}`);
    return `{ layer: ${lit(s.node.name)}, source: ${id}, size: ${p.sizes.get(s.node.id)}, args: [${args.join(', ')}], constants: { ${constants.join(', ')} } }`;
  });
  const outputs = p.outputs.map((o) => {
    const v = valueIndex.get(o.node);
    const size = p.sizes.get(o.node)!;
    return v === undefined
      ? `{ name: ${lit(o.name)}, size: ${size}, constant: ${p.value.get(o.node)!} }`
      : `{ name: ${lit(o.name)}, size: ${size}, value: ${v} }`;
  });
  const net = [
    '{',
    `module: ${lit(module)},`,
    `inputs: [${p.inputs.map((i) => `{ name: ${lit(i.name)}, size: ${p.sizes.get(i.node)} }`).join(', ')}],`,
    `steps: [${steps.join(',\n')}],`,
    `outputs: [${outputs.join(', ')}],`,
    '}',
  ].join('\n');
  return { kernels, net };
}

export function gpuModule(g: Graph, opts: GpuOptions): ModuleSpec {
  const p = plan(g);
  const module = `${g.name}.gpu`;
  const modName = lit(module);
  const names = p.inputs.map((i) => lit(i.name)).join(', ');
  const { kernels, net } = netSpec(p, module);
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
      for (const k of kernels) {
        sf.addVariableStatement({
          declarationKind: CONST,
          docs: [`${k.doc.replace(/\*\//g, '*\\/')}; thread.x = example * size + element.`],
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
          `return ${runnerId}?.info() ?? { mode: null, kernel: null, forced: R.envGpuMode() ?? null };`,
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
