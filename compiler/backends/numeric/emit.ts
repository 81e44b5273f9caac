/**
 * The numeric backend: TypeScript over typed arrays, float64 or float32 (float32 rounds after
 * every operation with Math.fround, as a float32 framework does). Small layers become
 * straight-line code with the weights as literals; large inner products become register-tiled
 * loops over weights kept in a sidecar file (or embedded); recurrent cells are unrolled when
 * small. Examples run in blocks of up to BLOCK through every layer (matrix-matrix products),
 * intermediates in buffers allocated once; predictBatchParallel spreads a batch over workers.
 */
import { VariableDeclarationKind, type SourceFile } from 'ts-morph';
import type { Graph } from '../../ir/graph.js';
import type { ModuleSpec } from '../module.js';
import { lit } from '../names.js';
import { outputNodes, plan, type AnyStep, type IoRef, type Plan, type ScanStep, type Step } from '../plan.js';
import { fillTemplate, packageVersion } from '../templates.js';
import type { Precision } from './flavor.js';
import { asmModule } from './asmKernel.js';
import type { Contraction } from './contraction.js';
import { scanContractions, scanFn, scanUnrollable } from './scan.js';
import { contractionOf, gemmFn, loopsFn, stepCost, unrollable, unrolledFn, UNROLL_MAX, type NumericCtx, type StepFn } from './steps.js';
import { INLINE_MAX, planMemory } from './weights.js';

export { numericFlavor, type Precision } from './flavor.js';

export interface NumericOptions {
  readonly precision: Precision;
  readonly source: string;
  /** Embed large weights as base64 instead of writing `<net>.weights.bin` beside the module. */
  readonly embedWeights?: boolean;
}

/** Examples per block: intermediates for a block stay within this many elements. */
const BLOCK_ELEMENTS = 1 << 18;
const BLOCK_MAX = 32;

type Group =
  | { readonly kind: 'run'; readonly steps: readonly Step[]; readonly from: number }
  | { readonly kind: 'gemm'; readonly step: Step; readonly c: Contraction }
  | { readonly kind: 'loops'; readonly step: Step }
  | { readonly kind: 'scan'; readonly step: ScanStep; readonly unrolled: boolean };

/** Steps grouped into compute functions: runs of small steps, tiled contractions, loops, scans. */
function groupSteps(p: Plan): Group[] {
  const groups: Group[] = [];
  let run: { from: number; steps: Step[]; cost: number } | null = null;
  const flush = (): void => {
    if (run) groups.push({ kind: 'run', steps: run.steps, from: run.from });
    run = null;
  };
  p.steps.forEach((s, k) => {
    if (s.kind === 'formula' && unrollable(s)) {
      const cost = stepCost(s);
      if (run && run.cost + cost > UNROLL_MAX) flush();
      run ??= { from: k, steps: [], cost: 0 };
      run.steps.push(s);
      run.cost += cost;
      return;
    }
    flush();
    if (s.kind === 'scan') {
      groups.push({ kind: 'scan', step: s, unrolled: scanUnrollable(s) });
      return;
    }
    const c = contractionOf(s);
    groups.push(c ? { kind: 'gemm', step: s, c } : { kind: 'loops', step: s });
  });
  flush();
  return groups;
}

const cellSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function numericModule(g: Graph, opts: NumericOptions): ModuleSpec {
  const p = plan(g);
  const Arr = opts.precision === 'float32' ? 'Float32Array' : 'Float64Array';
  const outs = outputNodes(p);
  const consts = new Set(g.nodes.filter((n) => n.op === 'const').map((n) => n.id));
  const isIo = (u: number): boolean => outs.has(u) || g.inputs.includes(u);
  const groups = groupSteps(p);
  // which node values each group writes to arrays
  const consumers = new Map<number, number[]>();
  p.steps.forEach((s, k) => s.node.inputs.forEach((u) => consumers.set(u, [...(consumers.get(u) ?? []), k])));
  const written = (gr: Group): number[] => {
    if (gr.kind !== 'run') return [gr.step.node.id];
    const inside = (k: number): boolean => k >= gr.from && k < gr.from + gr.steps.length;
    return gr.steps.map((s) => s.node.id).filter((u) => outs.has(u) || (consumers.get(u) ?? []).some((k) => !inside(k)));
  };
  const buffers = [...new Set(groups.flatMap(written))].filter((u) => !isIo(u));
  const perExample = buffers.reduce((a, u) => a + p.sizes.get(u)!, 0);
  let block = BLOCK_MAX;
  while (block > 1 && block * perExample > BLOCK_ELEMENTS) block >>= 1;
  // tensors read from module constants, scratch buffers of loop scans
  const paramIds = (s: AnyStep): string[] => Object.values(s.params).map((r) => r.id);
  const read = new Set<string>();
  const scratch: [string, number][] = [];
  for (const gr of groups) {
    if (gr.kind === 'run') continue;
    if (gr.kind !== 'scan' || !gr.unrolled) paramIds(gr.step).forEach((id) => read.add(id));
    if (gr.kind === 'scan' && !gr.unrolled) {
      const s = gr.step;
      scratch.push(...s.body.states.map((st) => [s.stateIds[st.name]!, st.size] as [string, number]));
      scratch.push(...s.body.cells.map((c) => [s.cellIds[c.name]!, cellSize(c.shape)] as [string, number]));
    }
    for (const u of gr.step.node.inputs) if (consts.has(u)) read.add(p.value.get(u)!);
  }
  const tensors = p.tensors.filter((t) => read.has(t.id));
  // asm.js kernels when a large contraction reads a stored weight
  const big = (s: AnyStep, w: string): boolean => s.params[w]!.tensor.data.length > INLINE_MAX;
  const heap = groups.some(
    (gr) => (gr.kind === 'gemm' && big(gr.step, gr.c.weight)) || (gr.kind === 'scan' && !gr.unrolled && scanContractions(gr.step).some((c) => big(gr.step, c.weight))),
  );
  const stageX = Math.max(0, ...groups.map((gr) => (gr.kind === 'gemm' && !buffers.includes(gr.step.node.inputs[gr.c.slot]!) ? block * gr.c.rows * gr.c.K : 0)));
  const stageY = Math.max(0, ...groups.map((gr) => (gr.kind === 'gemm' && outs.has(gr.step.node.id) ? block * gr.c.rows * gr.c.N : 0)));
  const blockId = p.names.claim('BLOCK');
  const stage = { x: p.names.claim('stageX'), y: p.names.claim('stageY') };
  const module = `${g.name}.numeric`;
  const memory = planMemory({
    precision: opts.precision,
    embed: opts.embedWeights ?? false,
    net: g.name,
    module,
    claim: (base) => p.names.claim(base),
    tensors,
    keepType: new Set([...consts].map((u) => p.value.get(u)!)),
    buffers: [
      ...buffers.map((u) => [p.value.get(u)!, block * p.sizes.get(u)!] as const),
      ...scratch,
      ...(heap && stageX ? [[stage.x, stageX] as const] : []),
      ...(heap && stageY ? [[stage.y, stageY] as const] : []),
    ],
    heap,
  });
  const kernels = p.names.claim('kernels');
  const asmId = p.names.claim('asm');
  const ctx: NumericCtx = {
    plan: p,
    precision: opts.precision,
    stride: (u) => (consts.has(u) ? 0 : p.sizes.get(u)!),
    isConst: (u) => consts.has(u),
    claim: (base) => p.names.claim(base),
    ...(heap ? { asm: { id: asmId, elem: (t: string) => memory.heapElem(t), stageX: stage.x, stageY: stage.y, resident: (u: number) => buffers.includes(u) } } : {}),
  };
  const fns = groups.map((gr): StepFn => {
    switch (gr.kind) {
      case 'run':
        return unrolledFn(ctx, gr.steps, (u) => written(gr).includes(u));
      case 'gemm':
        return gemmFn(ctx, gr.step, gr.c);
      case 'loops':
        return loopsFn(ctx, gr.step);
      case 'scan':
        return scanFn(ctx, gr.step, gr.unrolled);
    }
  });
  const kinds = [...new Set(fns.flatMap((f) => f.kernels ?? []))];
  const modName = lit(module);
  const value = (u: number): string => p.value.get(u)!;
  const offset = (u: number): string => (isIo(u) ? `${value(u)}_o` : '0');
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
        'predictBatchParallel(inputs, batch, { workers }) (worker threads, Node).',
    }),
    fill(sf: SourceFile) {
      sf.addImportDeclaration({ moduleSpecifier: 'layergen/runtime', namespaceImport: 'R' });
      if (memory.readsFile) sf.addImportDeclaration({ moduleSpecifier: 'node:fs', namedImports: ['readFileSync'] });
      addShapes(sf, p);
      sf.addVariableStatement({
        isExported: true,
        declarationKind: VariableDeclarationKind.Const,
        declarations: [{ name: 'precision', initializer: lit(opts.precision) }],
      });
      addInterfaces(sf, p, `R.NumericInput`, Arr);
      sf.addVariableStatement({
        declarationKind: VariableDeclarationKind.Const,
        docs: ['Examples per block: every layer runs on a block of examples at a time.'],
        declarations: [{ name: blockId, initializer: String(block) }],
      });
      sf.addStatements(memory.statements as string[]);
      if (kinds.length) {
        sf.addStatements([...asmModule(kernels, kinds), `const ${asmId} = ${kernels}(globalThis, null, ${memory.heapId});`]);
      }
      for (const f of fns) {
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
      addEntryPoints(sf, p, { Arr, modName, blockId });
    },
  };
}

/** predictBatch, predictBatchParallel and predict. */
function addEntryPoints(sf: SourceFile, p: Plan, o: { Arr: string; modName: string; blockId: string }): void {
  const { Arr, modName, blockId } = o;
  const names = `[${p.inputs.map((i) => lit(i.name)).join(', ')}]`;
  const readAll = (batch: string): string[] =>
    p.inputs.map((i) => `const ${i.id} = R.readInput(inputs, ${lit(i.name)}, inputShapes[${lit(i.name)}], ${batch}, ${Arr}, ${o.modName}${dtypeArg(i)}) as ${Arr};`);
  const sizes = (refs: readonly IoRef[]): string => `{ ${refs.map((r) => `${lit(r.name)}: ${p.sizes.get(r.node)}`).join(', ')} }`;
  sf.addFunction({
    name: 'predictBatch',
    isExported: true,
    docs: ['Evaluates `batch` examples; each input has a leading batch dimension (flat or nested).'],
    parameters: [
      { name: 'inputs', type: 'Inputs' },
      { name: 'batch', type: 'number' },
    ],
    returnType: 'Outputs',
    statements: [
      `R.checkBatch(batch, ${modName});`,
      `R.checkInputNames(inputs, ${names}, ${modName});`,
      ...readAll('batch'),
      ...p.outputs.map((r) => `const ${r.id} = new ${Arr}(batch * ${p.sizes.get(r.node)});`),
      `for (let b = 0; b < batch; b += ${blockId}) {`,
      `forward(Math.min(${blockId}, batch - b), ${[...p.inputs, ...p.outputs].map((r) => `${r.id}, b * ${p.sizes.get(r.node)}`).join(', ')});`,
      '}',
      `return { ${p.outputs.map((r) => `${lit(r.name)}: ${r.id}`).join(', ')} };`,
    ],
  });
  sf.addFunction({
    name: 'predictBatchParallel',
    isExported: true,
    docs: [
      'predictBatch spread over worker threads (Node): `options.workers` threads (default: the number of CPUs)\n' +
        'each run this module on a share of the batch. Small batches, or workers <= 1, run in this thread.',
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
      ...readAll('batch'),
      'return R.predictParallel(',
      `{ module: import.meta.url, inputs: { ${p.inputs.map((i) => `${lit(i.name)}: ${i.id}`).join(', ')} }, inputSizes: ${sizes(p.inputs)}, ` +
        `outputSizes: ${sizes(p.outputs)}, batch, array: ${Arr}, run: () => predictBatch({ ${p.inputs.map((i) => `${lit(i.name)}: ${i.id}`).join(', ')} }, batch) },`,
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

/** `inputShapes` and `outputShapes`, exported by every target. */
export function addShapes(sf: SourceFile, p: Plan): void {
  const obj = (refs: readonly { name: string; type: { shape: readonly number[] } }[]) =>
    `{ ${refs.map((r) => `${lit(r.name)}: [${r.type.shape.join(', ')}]`).join(', ')} } as const`;
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['Per-example input shapes (row-major, no batch dimension).'],
    declarations: [{ name: 'inputShapes', initializer: obj(p.inputs) }],
  });
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
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
