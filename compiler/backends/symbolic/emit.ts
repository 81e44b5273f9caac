/**
 * The symbolic backend: the same loops as the numeric module, over expressions. Each element of
 * an input may be a symbol name, a number or an expression; outputs are arrays of expressions.
 */
import type { SourceFile } from 'ts-morph';
import type { Graph } from '../../ir/graph.js';
import { PRIMS } from '../../ir/prims.js';
import { CONST, dataInitializer, numLit, type ModuleSpec } from '../module.js';
import { lit } from '../names.js';
import { addInterfaces, addShapes } from '../numeric/emit.js';
import { describe, plan, type AnyStep, type Plan } from '../plan.js';
import { scanLines } from '../scanCode.js';
import { renderLoops, type Flavor } from '../render.js';
import { fillTemplate, packageVersion, runtimeCheck, RUNTIME_MODULE } from '../templates.js';

export function symbolicFlavor(load: Pick<Flavor, 'input' | 'param' | 'index'>): Flavor {
  return {
    ...load,
    num: (v) => {
      const s = numLit(v);
      return s.startsWith('-') ? `(${s})` : s;
    },
    prim: (op, args) => `R.${PRIMS[op].sym}(${args.join(', ')})`,
    reduceDecl: (_op, acc) => `const ${acc}: R.Value[] = [];`,
    reduceStep: (_op, acc, v) => `${acc}.push(${v});`,
    reduceResult: (op, acc) => (op === 'sum' ? `R.addAll(${acc})` : `R.maxAll(${acc})`),
    symbolic: true,
  };
}

function stepCode(p: Plan, s: AnyStep): string[] {
  if (s.kind === 'scan') {
    const dst = p.value.get(s.node.id)!;
    return [
      `const ${dst}: R.Value[] = new Array(${p.sizes.get(s.node.id)});`,
      ...scanLines(p, s, (node, o) => `${p.value.get(node)}[${o}]!`, {
        flavor: symbolicFlavor,
        initState: (id, size, from) => [`let ${id}: R.Value[] = ${from ? `Array.from({ length: ${size} }, (_, j) => ${from('j')})` : `new Array(${size}).fill(0)`};`],
        beginCell: (id, size) => [`const ${id}: R.Value[] = new Array(${size});`],
        advance: (state, cell) => `${state} = ${cell};`,
      }),
    ];
  }
  const flavor = symbolicFlavor({
    input: (slot, o) => `${p.value.get(s.node.inputs[slot]!)}[${o}]!`,
    param: (name, o) => `${s.params[name]!.id}[${o}]!`,
    index: (slot, o) => `R.intIndex(${p.value.get(s.node.inputs[slot]!)}[${o}]!)`,
  });
  const ctx = {
    flavor,
    inShapes: s.inTypes.map((t) => t.shape),
    paramShapes: Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.tensor.shape])),
  };
  const dst = p.value.get(s.node.id)!;
  const body = renderLoops(s.formula, s.out.shape, ctx, (flat, v) => `${dst}[${flat}] = ${v};`);
  return [`// ${describe(s)}`, `const ${dst}: R.Value[] = new Array(${p.sizes.get(s.node.id)});`, '{', ...body, '}'];
}

export function symbolicModule(g: Graph, opts: { source: string }): ModuleSpec {
  const p = plan(g);
  const modName = lit(`${g.name}.symbolic`);
  return {
    base: `${g.name}.symbolic`,
    header: fillTemplate('header.txt', {
      name: g.name,
      target: 'symbolic',
      version: packageVersion(),
      source: opts.source,
      summary: 'Symbolic evaluator: predict(inputs) with symbol names, numbers or expressions as elements.',
    }),
    fill(sf: SourceFile) {
      sf.addImportDeclaration({ moduleSpecifier: RUNTIME_MODULE, namespaceImport: 'R' });
      sf.addExportDeclaration({
        moduleSpecifier: RUNTIME_MODULE,
        namedExports: ['format', 'evaluate', 'substitute', 'diff', 'sym', 'paramSymbolName', 'type Expr'],
      });
      sf.addStatements(runtimeCheck(modName));
      addShapes(sf, p);
      addInterfaces(sf, p, 'R.SymbolicInput', 'R.Expr[]');
      // Parameters live in module constants `<id>_data`; each call binds `<id>` to the numbers, or to
      // symbols when options.symbolicParams selects the layer. Folded constants are plain numbers.
      const params = new Set(p.steps.flatMap((s) => Object.values(s.params)));
      const bindings: string[] = [];
      for (const t of p.tensors) {
        const data = params.has(t) ? p.names.claim(`${t.id}_data`) : t.id;
        if (params.has(t)) bindings.push(`const ${t.id} = R.symbolicParam(${data}, ${lit(t.label)}, [${t.tensor.shape.join(', ')}], options);`);
        sf.addVariableStatement({
          declarationKind: CONST,
          declarations: [{ name: data, initializer: dataInitializer(t.tensor.data, 'Float64Array') }],
          leadingTrivia: `// ${JSON.stringify(t.label)} [${t.tensor.shape.join(', ')}]\n`,
        });
      }
      sf.addFunction({
        name: 'predict',
        isExported: true,
        docs: [
          'Evaluates the net on expressions: each input element is a symbol name, a number or an Expr.\n' +
            '`options.symbolicParams`: true (every layer) or a list of layers whose parameters become symbols named ' +
            'like `fc_weight_0_1` (`layer.param` with `.` as `_`, then the element index).',
        ],
        parameters: [
          { name: 'inputs', type: 'Inputs' },
          { name: 'options', type: 'R.SymbolicOptions', initializer: '{}' },
        ],
        returnType: 'Outputs',
        statements: [
          `R.checkInputNames(inputs, [${p.inputs.map((i) => lit(i.name)).join(', ')}], ${modName});`,
          ...bindings,
          ...p.inputs.map(
            (i) =>
              `const ${i.id} = R.readSymbolicInput(inputs, ${lit(i.name)}, inputShapes[${lit(i.name)}], ${modName}${i.type.dtype === 'int' ? ", 'int'" : ''});`,
          ),
          ...p.steps.flatMap((s) => stepCode(p, s)),
          `return { ${p.outputs.map((o) => `${lit(o.name)}: ${o.id}.map(R.toExpr)`).join(', ')} };`,
        ],
      });
    },
  };
}
