/**
 * The numeric backend: plain TypeScript loops over typed arrays, parameters as constants,
 * intermediates preallocated. float32 mode rounds after every operation (Math.fround), as a
 * float32 framework does.
 */
import { VariableDeclarationKind, type SourceFile } from 'ts-morph';
import { PRIMS } from '../../ops/prims.js';
import { dataInitializer, numLit, type ModuleSpec } from '../module.js';
import { lit } from '../names.js';
import { describe, outputNodes, plan, type AnyStep, type IoRef, type Plan } from '../plan.js';
import { scanLines } from '../scanCode.js';
import { renderLoops, type Flavor } from '../render.js';
import { fillTemplate, packageVersion } from '../templates.js';

export type Precision = 'float64' | 'float32';

export interface NumericOptions {
  readonly precision: Precision;
  readonly source: string;
}

/** Float flavour: float64 as is; float32 rounds each operation's result. */
export function numericFlavor(precision: Precision, load: Pick<Flavor, 'input' | 'param'>): Flavor {
  const r = precision === 'float32' ? (s: string) => `Math.fround(${s})` : (s: string) => s;
  const num = (v: number): string => {
    const s = numLit(precision === 'float32' ? Math.fround(v) : v);
    return s.startsWith('-') ? `(${s})` : s;
  };
  return {
    ...load,
    num,
    prim: (op, args) => r((PRIMS[op].js as (...a: string[]) => string)(...args)),
    reduceDecl: (op, acc) => `let ${acc} = ${op === 'sum' ? '0' : '-Infinity'};`,
    reduceStep: (op, acc, v) =>
      op === 'max' ? `${acc} = Math.max(${acc}, ${v});` : precision === 'float32' ? `${acc} = Math.fround(${acc} + ${v});` : `${acc} += ${v};`,
    reduceResult: (_op, acc) => acc,
    symbolic: false,
  };
}

/** Statements of one step inside `forward`. Inputs/outputs are read/written at their offsets. */
function stepCode(p: Plan, s: AnyStep, precision: Precision, outs: Set<number>): string[] {
  const off = (node: number): string => (outs.has(node) || p.graph.inputs.includes(node) ? `${p.value.get(node)}_o + ` : '');
  if (s.kind === 'scan') {
    return scanLines(p, s, (node, o) => `${p.value.get(node)}[${off(node)}${o}]!`, {
      flavor: (load) => numericFlavor(precision, load),
      initState: (id, size, from) => (from ? [`for (let j = 0; j < ${size}; j++) ${id}[j] = ${from('j')};`] : [`${id}.fill(0);`]),
      beginCell: () => [],
      advance: (state, cell) => `${state}.set(${cell});`,
    });
  }
  const flavor = numericFlavor(precision, {
    input: (slot, o) => `${p.value.get(s.node.inputs[slot]!)}[${off(s.node.inputs[slot]!)}${o}]!`,
    param: (name, o) => `${s.params[name]!.id}[${o}]!`,
  });
  const ctx = {
    flavor,
    inShapes: s.inTypes.map((t) => t.shape),
    paramShapes: Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor.shape])),
  };
  const dst = p.value.get(s.node.id)!;
  const body = renderLoops(s.formula, s.out.shape, ctx, (flat, v) => `${dst}[${off(s.node.id)}${flat}] = ${v};`);
  return [`// ${describe(s)}`, '{', ...body, '}'];
}

export function numericModule(g: import('../../ir/graph.js').Graph, opts: NumericOptions): ModuleSpec {
  const p = plan(g);
  const Arr = opts.precision === 'float32' ? 'Float32Array' : 'Float64Array';
  const outs = outputNodes(p);
  const modName = lit(`${g.name}.numeric`);
  return {
    base: `${g.name}.numeric`,
    header: fillTemplate('header.txt', {
      name: g.name,
      target: 'numeric',
      version: packageVersion(),
      source: opts.source,
      summary: `Numeric evaluator, ${opts.precision}. predict(inputs) / predictBatch(inputs, batch).`,
    }),
    fill(sf: SourceFile) {
      sf.addImportDeclaration({ moduleSpecifier: 'layergen/runtime', namespaceImport: 'R' });
      addShapes(sf, p);
      sf.addVariableStatement({
        isExported: true,
        declarationKind: VariableDeclarationKind.Const,
        declarations: [{ name: 'precision', initializer: lit(opts.precision) }],
      });
      addInterfaces(sf, p, `R.NumericInput`, Arr);
      for (const t of p.tensors) {
        sf.addVariableStatement({
          declarationKind: VariableDeclarationKind.Const,
          declarations: [{ name: t.id, initializer: dataInitializer(t.tensor.data, Arr) }],
          leadingTrivia: `// ${JSON.stringify(t.label)} [${t.tensor.shape.join(', ')}]\n`,
        });
      }
      for (const s of p.steps) {
        if (s.kind === 'scan') {
          const bufs = [
            ...s.body.states.map((st) => [s.stateIds[st.name]!, st.size] as const),
            ...s.body.cells.map((c) => [s.cellIds[c.name]!, c.shape.reduce((a, b) => a * b, 1)] as const),
          ];
          for (const [id, n] of bufs) {
            sf.addVariableStatement({ declarationKind: VariableDeclarationKind.Const, declarations: [{ name: id, initializer: `new ${Arr}(${n})` }] });
          }
        }
        if (outs.has(s.node.id)) continue;
        sf.addVariableStatement({
          declarationKind: VariableDeclarationKind.Const,
          declarations: [{ name: p.value.get(s.node.id)!, initializer: `new ${Arr}(${p.sizes.get(s.node.id)})` }],
        });
      }
      const io = [...p.inputs, ...p.outputs];
      sf.addFunction({
        name: 'forward',
        docs: ['One example: reads inputs at their offsets, writes outputs at theirs.'],
        parameters: io.flatMap((r) => [
          { name: r.id, type: Arr },
          { name: `${r.id}_o`, type: 'number' },
        ]),
        returnType: 'void',
        statements: p.steps.flatMap((s) => stepCode(p, s, opts.precision, outs)),
      });
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
          `R.checkInputNames(inputs, [${p.inputs.map((i) => lit(i.name)).join(', ')}], ${modName});`,
          ...p.inputs.map(
            (i) =>
              `const ${i.id} = R.readInput(inputs, ${lit(i.name)}, inputShapes[${lit(i.name)}], batch, ${Arr}, ${modName}${dtypeArg(i)}) as ${Arr};`,
          ),
          ...p.outputs.map((o) => `const ${o.id} = new ${Arr}(batch * ${p.sizes.get(o.node)});`),
          'for (let b = 0; b < batch; b++) {',
          `forward(${io.map((r) => `${r.id}, b * ${p.sizes.get(r.node)}`).join(', ')});`,
          '}',
          `return { ${p.outputs.map((o) => `${lit(o.name)}: ${o.id}`).join(', ')} };`,
        ],
      });
      sf.addFunction({
        name: 'predict',
        isExported: true,
        docs: ['Evaluates one example; each input is flat row-major or nested in its shape.'],
        parameters: [{ name: 'inputs', type: 'Inputs' }],
        returnType: 'Outputs',
        statements: [
          `R.checkInputNames(inputs, [${p.inputs.map((i) => lit(i.name)).join(', ')}], ${modName});`,
          'return predictBatch(',
          `{ ${p.inputs
            .map((i) => `${lit(i.name)}: R.readInput(inputs, ${lit(i.name)}, inputShapes[${lit(i.name)}], undefined, ${Arr}, ${modName}${dtypeArg(i)})`)
            .join(', ')} },`,
          '1);',
        ],
      });
    },
  };
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
