/**
 * The numeric backend: TypeScript over typed arrays, float64 or float32 (float32 rounds after
 * every operation with Math.fround, as a float32 framework does). Small layers become
 * straight-line code with the weights as literals (straight.ts), recurrent cells too (scan.ts);
 * large inner products become WebAssembly SIMD kernels over one heap (wasmKernel.ts), or register-tiled loops
 * (gemm.ts), over weights kept in a sidecar file or embedded (weights.ts); other layers are the
 * renderer's loops. Examples run in blocks of up to BLOCK through every layer (matrix-matrix
 * products), intermediates in buffers allocated once (layout.ts); predictBatchParallel spreads a
 * batch over worker threads.
 */
import type { SourceFile } from 'ts-morph';
import type { Graph } from '../../ir/graph.js';
import { CONST, base64Literal, type ModuleSpec } from '../module.js';
import { lit } from '../names.js';
import { plan, type IoRef, type Plan } from '../plan.js';
import { fillTemplate, packageVersion, runtimeCheck, RUNTIME_MODULE } from '../templates.js';
import type { Precision } from './flavor.js';
import type { KernelKind } from './wasmKernel.js';
import { MapRegistry, TABLE_BYTES, type MapSpec } from './wasmMap.js';
import { ScanRegistry } from './wasmScan.js';
import { layout } from './layout.js';
import { scanFn } from './scan.js';
import { gemmFn, loopsFn, unrolledFn, type NumericCtx, type StepFn } from './steps.js';
import { planMemory, type WeightsMode } from './weights.js';

export { numericFlavor, type Precision } from './flavor.js';

export interface NumericOptions {
  readonly precision: Precision;
  readonly source: string;
  /** Where non-literal weights go: `<net>.weights.bin` beside the module, or base64 inside it. */
  readonly weights?: WeightsMode;
}

export function numericModule(g: Graph, opts: NumericOptions): ModuleSpec {
  const p = plan(g);
  const Arr = opts.precision === 'float32' ? 'Float32Array' : 'Float64Array';
  const lay = layout(g, p);
  const { buffers, block, consts, heap } = lay;
  const blockId = p.names.claim('BLOCK');
  const stage = { x: p.names.claim('stageX'), y: p.names.claim('stageY') };
  const module = `${g.name}.numeric`;
  const memory = planMemory({
    precision: opts.precision,
    weights: opts.weights ?? 'auto',
    net: g.name,
    module,
    claim: (base) => p.names.claim(base),
    tensors: p.tensors.filter((t) => lay.tensors.has(t.id)),
    keepType: new Set([...consts].map((u) => p.value.get(u)!)),
    buffers: [
      ...buffers.map((u) => [p.value.get(u)!, block * p.sizes.get(u)!] as const),
      ...lay.scratch,
      ...(heap && lay.stageX ? [[stage.x, lay.stageX] as const] : []),
      ...(heap && lay.stageY ? [[stage.y, lay.stageY] as const] : []),
    ],
    heap,
    transposed: lay.kernelWeights,
    reserve: TABLE_BYTES,
  });
  const maps = new MapRegistry();
  // straight-line scans as WebAssembly (wasmScan.ts), in a heap of their own with their staging arrays
  const scans = new ScanRegistry();
  const scanHeapId = p.names.claim('scanHeap');
  const scanKernelsId = p.names.claim('scanKernels');
  const elems = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
  const scanCtx: NonNullable<NumericCtx['scans']> = {
    add: (c, inShape, outShape) => {
      const fn = scans.add(c);
      const B = opts.precision === 'float32' ? 4 : 8;
      const [X, Y] = [elems(inShape), elems(outShape)];
      const [sx, sy] = [p.names.claim(`stageX_${fn}`), p.names.claim(`stageY_${fn}`)];
      return {
        prelude: [
          `const ${sx} = new ${Arr}(${scanHeapId}.buffer, ${scans.alloc(block * X, B)}, ${block * X});`,
          `const ${sy} = new ${Arr}(${scanHeapId}.buffer, ${scans.alloc(block * Y, B)}, ${block * Y});`,
        ],
        call: (js) => [
          `if (${scanKernelsId}.${fn}) {`,
          `${sx}.set(a0.subarray(a0o, a0o + n * ${X}));`,
          `${scanKernelsId}.${fn}(n, ${sx}.byteOffset, ${sy}.byteOffset);`,
          `y0.set(${sy}.subarray(0, n * ${Y}), y0o);`,
          '} else {',
          ...js,
          '}',
        ],
      };
    },
  };
  const bytesId = p.names.claim('kernelBytes');
  const kernelsId = p.names.claim('kernels');
  const ctx: NumericCtx = {
    scans: scanCtx,
    plan: p,
    precision: opts.precision,
    stride: (u) => (consts.has(u) ? 0 : p.sizes.get(u)!),
    isConst: (u) => consts.has(u),
    claim: (base) => p.names.claim(base),
    ...(heap
      ? {
          kernels: {
            id: kernelsId,
            elem: (t: string) => (lay.kernelWeights.has(t) ? memory.heapElem(t) : undefined),
            stageX: stage.x,
            stageY: stage.y,
            resident: (u: number) => buffers.includes(u),
            paramElem: (t: string) => memory.heapElem(t),
            map: (spec: MapSpec) => maps.add(spec),
          },
        }
      : {}),
  };
  const fns = lay.groups.map((gr): StepFn => {
    switch (gr.kind) {
      case 'run':
        return unrolledFn(ctx, gr.steps, (u) => lay.written(gr).includes(u));
      case 'gemm':
        return gemmFn(ctx, gr.step, gr.c);
      case 'loops':
        return loopsFn(ctx, gr.step);
      case 'scan':
        return scanFn(ctx, gr.step, gr.unrolled);
    }
  });
  const kinds = [...new Set(fns.flatMap((f) => f.kernels ?? []))];
  const kernelModule = maps.module(kinds, memory.reservedAt ?? 0);
  const modName = lit(module);
  const value = (u: number): string => p.value.get(u)!;
  const offset = (u: number): string => (lay.isIo(u) ? `${value(u)}_o` : '0');
  return {
    base: module,
    files: memory.files,
    header: fillTemplate('header.txt', {
      name: g.name,
      target: 'numeric',
      version: packageVersion(),
      source: opts.source,
      summary:
        `Numeric evaluator, ${opts.precision}. predict(inputs) / predictBatch(inputs, batch) / ` +
        'predictBatchParallel(inputs, batch, { workers }) (Node worker threads; Web Workers where the page is cross-origin isolated).',
    }),
    fill(sf: SourceFile) {
      sf.addImportDeclaration({ moduleSpecifier: RUNTIME_MODULE, namespaceImport: 'R' });
      sf.addStatements(runtimeCheck(modName));
      addShapes(sf, p);
      sf.addVariableStatement({
        isExported: true,
        declarationKind: CONST,
        declarations: [{ name: 'precision', initializer: lit(opts.precision) }],
      });
      addInterfaces(sf, p, `R.NumericInput`, Arr);
      sf.addVariableStatement({
        declarationKind: CONST,
        docs: ['Examples per block: every layer runs on a block of examples at a time.'],
        declarations: [{ name: blockId, initializer: String(block) }],
      });
      sf.addStatements(memory.statements as string[]);
      sf.addVariableStatement({
        isExported: true,
        declarationKind: CONST,
        docs: [
          memory.loaderId
            ? 'Settles once the weights are in place: at import in Node (read with node:fs), after a fetch in browsers; predict throws until then.'
            : 'Settles at once: every weight is in this module. (Modules with a `.weights.bin` beside them settle once it is loaded.)',
        ],
        declarations: [{ name: 'ready', type: 'Promise<void>', initializer: memory.loaderId ? `${memory.loaderId}.ready` : 'Promise.resolve()' }],
      });
      if (kinds.length || maps.names().length) {
        const names = kinds.map((k: KernelKind) => `gemm_${k}`);
        const union = (ns: readonly string[]): string => (ns.length ? ns.map(lit).join(' | ') : 'never');
        const what = [
          ...(names.length ? [`inner products (${names.join(', ')})`] : []),
          ...(kernelModule.maps.length ? [`elementwise loops (${kernelModule.maps.join(', ')}; JS where an instance lacks one)`] : []),
        ];
        sf.addStatements([
          `/** The kernels: ${what.join(', ')}. WebAssembly with SIMD, generated by layergen (wasmKernel.ts, wasmMap.ts). */`,
          `const ${bytesId} = R.decodeBytes(${base64Literal(kernelModule.bytes)});`,
          `const ${kernelsId} = R.kernelInstance<${union(names)}, ${union(maps.names())}>(${bytesId}, ${memory.memoryId});`,
        ]);
      }
      if (scans.names.length) {
        sf.addStatements([
          `/** The straight-line recurrent layers (${scans.names.join(', ')}) as WebAssembly, generated by layergen (wasmScan.ts); their JS runs where it cannot. */`,
          `const ${scanHeapId} = R.kernelHeap(${scans.pages});`,
          `const ${scanKernelsId} = R.kernelInstance<never, ${scans.names.map(lit).join(' | ')}>(R.decodeBytes(${base64Literal(scans.module())}), ${scanHeapId});`,
        ]);
      }
      for (const f of fns) {
        if (f.prelude?.length) sf.addStatements(f.prelude as string[]);
        sf.addFunction({
          name: f.name,
          docs: [f.doc.replace(/\*\//g, '* /')],
          parameters: [
            { name: 'n', type: 'number' },
            ...f.ins.flatMap((_, k) => [
              { name: `a${k}`, type: Arr },
              { name: `a${k}o`, type: 'number' },
            ]),
            ...f.outs.flatMap((_, k) => [
              { name: `y${k}`, type: Arr },
              { name: `y${k}o`, type: 'number' },
            ]),
          ],
          returnType: 'void',
          statements: f.body as string[],
        });
      }
      const io = [...p.inputs, ...p.outputs];
      sf.addFunction({
        name: 'forward',
        docs: ['A block of n examples: reads inputs at their offsets, writes outputs at theirs.'],
        parameters: [
          { name: 'n', type: 'number' },
          ...io.flatMap((r) => [
            { name: r.id, type: Arr },
            { name: `${r.id}_o`, type: 'number' },
          ]),
        ],
        returnType: 'void',
        statements: fns.map((f) => `${f.name}(n, ${[...f.ins, ...f.outs].map((u) => `${value(u)}, ${offset(u)}`).join(', ')});`),
      });
      addEntryPoints(sf, p, { Arr, modName, blockId, ...(memory.loaderId ? { loaderId: memory.loaderId } : {}) });
    },
  };
}

/** predictBatch, predictBatchParallel and predict. */
function addEntryPoints(sf: SourceFile, p: Plan, o: { Arr: string; modName: string; blockId: string; loaderId?: string }): void {
  const { Arr, modName, blockId } = o;
  const names = `[${p.inputs.map((i) => lit(i.name)).join(', ')}]`;
  // Inputs in their own layout (`front`: moved to the batch-first layout the code computes in).
  const readAll = (batch: string, front: boolean): string[] =>
    p.inputs.map((i) => {
      const read = `R.readInput(inputs, ${lit(i.name)}, inputShapes[${lit(i.name)}], ${batch}, ${Arr}, ${o.modName}${batchAxisArgs(i)})`;
      return `const ${i.id} = ${front && i.batchAxis ? `R.batchToFront(${read}, inputShapes[${lit(i.name)}], ${batch}, ${i.batchAxis})` : read} as ${Arr};`;
    });
  const sizes = (refs: readonly IoRef[]): string => `{ ${refs.map((r) => `${lit(r.name)}: ${p.sizes.get(r.node)}`).join(', ')} }`;
  sf.addFunction({
    name: 'predictBatch',
    isExported: true,
    docs: [
      `${batchDoc(p)}\n` +
        '`outputs` (optional): arrays to receive outputs, by name, each a ' + Arr + ' of batch × the output\'s size\n' +
        '(in the layout predictBatch returns), not overlapping any input; they are returned in place of new arrays.',
    ],
    parameters: [
      { name: 'inputs', type: 'Inputs' },
      { name: 'batch', type: 'number' },
      { name: 'outputs', type: 'Partial<Outputs>', hasQuestionToken: true },
    ],
    returnType: 'Outputs',
    statements: [
      ...(o.loaderId ? [`${o.loaderId}.check();`] : []),
      `R.checkBatch(batch, ${modName});`,
      `R.checkInputNames(inputs, ${names}, ${modName});`,
      `R.checkOutputArrays(outputs, { ${p.outputs.map((r) => `${lit(r.name)}: batch * ${p.sizes.get(r.node)}`).join(', ')} }, inputs, ${Arr}, ${modName});`,
      ...readAll('batch', true),
      ...p.outputs.map((r) =>
        r.batchAxis
          ? `const ${r.id} = new ${Arr}(batch * ${p.sizes.get(r.node)});`
          : `const ${r.id} = R.outputArray(outputs, ${lit(r.name)}, batch * ${p.sizes.get(r.node)}, ${Arr}) as ${Arr};`,
      ),
      `for (let b = 0; b < batch; b += ${blockId}) {`,
      `forward(Math.min(${blockId}, batch - b), ${[...p.inputs, ...p.outputs].map((r) => `${r.id}, b * ${p.sizes.get(r.node)}`).join(', ')});`,
      '}',
      `return { ${p.outputs
        .map((r) => `${lit(r.name)}: ${r.batchAxis ? `R.intoOutput(outputs, ${lit(r.name)}, ${outputLayout(r)}) as ${Arr}` : r.id}`)
        .join(', ')} };`,
    ],
  });
  sf.addFunction({
    name: 'predictBatchParallel',
    isExported: true,
    docs: [
      'predictBatch spread over workers (Node worker threads; browser Web Workers where the page is cross-origin\n' +
        'isolated): `options.workers` workers (default: the number of CPUs) each run this module on a share of the batch,\n' +
        'reading inputs from and writing outputs to shared memory. Small batches, workers <= 1, a bundled copy of this\n' +
        'module (unless `options.module` names where it is served on its own) or no workers run in this thread.',
    ],
    parameters: [
      { name: 'inputs', type: 'Inputs' },
      { name: 'batch', type: 'number' },
      { name: 'options', type: 'R.ParallelOptions', initializer: '{}' },
    ],
    returnType: 'Promise<Outputs>',
    statements: [
      `R.checkBatch(batch, ${modName});`,
      `R.checkInputNames(inputs, ${names}, ${modName});`,
      ...readAll('batch', false),
      'return R.predictParallel(',
      `{ module: import.meta.url, name: ${modName}, inputs: { ${p.inputs.map((i) => `${lit(i.name)}: ${i.id}`).join(', ')} }, inputSizes: ${sizes(p.inputs)}, ` +
        `outputSizes: ${sizes(p.outputs)}, ${outerSizes(p)}batch, array: ${Arr}, run: () => predictBatch({ ${p.inputs.map((i) => `${lit(i.name)}: ${i.id}`).join(', ')} }, batch) },`,
      'options,',
      ') as Promise<Outputs>;',
    ],
  });
  sf.addFunction({
    name: 'predict',
    isExported: true,
    docs: ['Evaluates one example; each input is flat row-major or nested in its shape.'],
    parameters: [{ name: 'inputs', type: 'Inputs' }],
    returnType: 'Outputs',
    statements: [
      `R.checkInputNames(inputs, ${names}, ${modName});`,
      'return predictBatch(',
      `{ ${p.inputs
        .map((i) => `${lit(i.name)}: R.readInput(inputs, ${lit(i.name)}, inputShapes[${lit(i.name)}], undefined, ${Arr}, ${modName}${dtypeArg(i)})`)
        .join(', ')} },`,
      '1);',
    ],
  });
}

/** The dtype argument of runtime input readers: only int inputs pass one. */
export const dtypeArg = (i: IoRef): string => (i.type.dtype === 'int' ? ", 'int'" : '');

/** The dtype and batch-axis arguments of R.readInput for reading a batch in the input's own layout. */
export const batchAxisArgs = (i: IoRef): string => (i.batchAxis ? `, ${lit(i.type.dtype)}, ${i.batchAxis}` : dtypeArg(i));

/** An output value computed batch-first, returned in its own layout (its batch at `batchAxis`). */
export const outputLayout = (r: IoRef): string =>
  r.batchAxis ? `R.batchFromFront(${r.id}, outputShapes[${lit(r.name)}], batch, ${r.batchAxis})` : r.id;

/** predictBatch's doc comment: the layout of every input and output. */
export function batchDoc(p: Plan): string {
  const inner = [...p.inputs, ...p.outputs].filter((r) => r.batchAxis);
  if (!inner.length) return 'Evaluates `batch` examples; each input has a leading batch dimension (flat or nested).';
  const list = inner.map((r) => `${r.name}: [${batchShapeText(r)}]`).join(', ');
  return `Evaluates \`batch\` examples. Each input and output has its batch dimension first (flat or nested), except ${list}.`;
}

const batchShapeText = (r: IoRef): string => [...r.type.shape.slice(0, r.batchAxis).map(String), 'batch', ...r.type.shape.slice(r.batchAxis).map(String)].join(', ');

/** predictParallel's `inputOuter`/`outputOuter`: per input and output with an inner batch axis, its elements before that axis. */
function outerSizes(p: Plan): string {
  const map = (refs: readonly IoRef[]): string =>
    `{ ${refs
      .filter((r) => r.batchAxis)
      .map((r) => `${lit(r.name)}: ${r.type.shape.slice(0, r.batchAxis).reduce((a, b) => a * b, 1)}`)
      .join(', ')} }`;
  if (![...p.inputs, ...p.outputs].some((r) => r.batchAxis)) return '';
  return `inputOuter: ${map(p.inputs)}, outputOuter: ${map(p.outputs)}, `;
}

/** `inputShapes` and `outputShapes`, exported by every target. */
export function addShapes(sf: SourceFile, p: Plan): void {
  const obj = (refs: readonly { name: string; type: { shape: readonly number[] } }[]) =>
    `{ ${refs.map((r) => `${lit(r.name)}: [${r.type.shape.join(', ')}]`).join(', ')} } as const`;
  sf.addVariableStatement({
    isExported: true,
    declarationKind: CONST,
    docs: ['Per-example input shapes (row-major, no batch dimension).'],
    declarations: [{ name: 'inputShapes', initializer: obj(p.inputs) }],
  });
  sf.addVariableStatement({
    isExported: true,
    declarationKind: CONST,
    docs: ['Per-example output shapes.'],
    declarations: [{ name: 'outputShapes', initializer: obj(p.outputs) }],
  });
}

/** `Inputs` and `Outputs` types keyed by the net's input and output names. */
export function addInterfaces(sf: SourceFile, p: Plan, inType: string, outType: string): void {
  sf.addTypeAlias({
    isExported: true,
    name: 'Inputs',
    type: `{ readonly ${p.inputs.map((i) => `${lit(i.name)}: ${inType}`).join('; readonly ')} }`,
  });
  sf.addTypeAlias({
    isExported: true,
    name: 'Outputs',
    type: `{ ${p.outputs.map((o) => `${lit(o.name)}: ${outType}`).join('; ')} }`,
  });
}
