/**
 * The jacobian target: a numeric module returning the outputs and their Jacobian with respect to
 * every float input. The net is evaluated on symbols, differentiated in reverse mode on the shared
 * expression DAG (`jacobian` in the symbolic runtime), and the DAG is emitted as straight-line
 * float64 code with each shared subexpression computed once.
 */
import type { SourceFile } from 'ts-morph';
import * as S from '@layergen/runtime';
import { LayergenError } from '../../errors.js';
import { size, type Graph } from '../../ir/graph.js';
import { interpret } from '../../interpret.js';
import { CONST, type ModuleSpec } from '../module.js';
import { lit } from '../names.js';
import { addShapes } from '../numeric/emit.js';
import { plan } from '../plan.js';
import { symbolic } from '../symbolic/algebra.js';
import { fillTemplate, packageVersion, runtimeCheck, RUNTIME_MODULE } from '../templates.js';

/** Beyond this many DAG nodes the straight-line module would be unreasonably large. */
const MAX_NODES = 2_000_000;

export function jacobianModule(g: Graph, opts: { source: string }): ModuleSpec {
  const p = plan(g);
  const ints = p.inputs.filter((i) => i.type.dtype === 'int');
  if (ints.length) throw new LayergenError(`the jacobian target needs float inputs; "${ints[0]!.name}" is an int input`);
  // Symbols v0, v1, ... for every input element, in input order.
  let k = 0;
  const symbols: Record<string, string[]> = {};
  for (const i of p.inputs) symbols[i.name] = Array.from({ length: size(i.type.shape) }, () => `v${k++}`);
  const flatSymbols = Object.values(symbols).flat();
  const outs = interpret(g, Object.fromEntries(Object.entries(symbols).map(([n, ss]) => [n, ss.map(S.sym)])), symbolic);
  const outExprs = p.outputs.map((o) => outs[o.name]!.map((v) => (typeof v === 'number' ? S.num(v) : v)));
  const J = S.jacobian(outExprs.flat(), flatSymbols);
  const all = [...outExprs.flat(), ...J.flat()];
  const nodes = S.countNodes(all);
  if (nodes > MAX_NODES) {
    throw new LayergenError(`the jacobian target would evaluate ${nodes} expression nodes (limit ${MAX_NODES}); use a smaller net`);
  }
  const body = S.format(all, 'js');
  const statements = body.includes('return ') ? body : `return ${body};`;
  const modName = lit(`${g.name}.jacobian`);
  const nIn = flatSymbols.length;
  return {
    base: `${g.name}.jacobian`,
    header: fillTemplate('header.txt', {
      name: g.name,
      target: 'jacobian',
      version: packageVersion(),
      source: opts.source,
      summary: `Outputs and their Jacobian (float64, ${nodes} expression nodes). predict(inputs) -> { outputs, jacobian }.`,
    }),
    fill(sf: SourceFile) {
      sf.addImportDeclaration({ moduleSpecifier: RUNTIME_MODULE, namespaceImport: 'R' });
      sf.addStatements(runtimeCheck(modName));
      addShapes(sf, { ...p, outputs: p.outputs });
      sf.addTypeAlias({
        isExported: true,
        name: 'Inputs',
        type: `{ readonly ${p.inputs.map((i) => `${lit(i.name)}: R.NumericInput`).join('; readonly ')} }`,
      });
      sf.addTypeAlias({
        isExported: true,
        name: 'Result',
        type: `{ outputs: { ${p.outputs.map((o) => `${lit(o.name)}: Float64Array`).join('; ')} }; jacobian: { ${p.outputs
          .map((o) => `${lit(o.name)}: { ${p.inputs.map((i) => `${lit(i.name)}: Float64Array`).join('; ')} }`)
          .join('; ')} } }`,
      });
      sf.addFunction({
        name: 'evaluateAll',
        docs: ['Every output element, then every Jacobian entry (row-major over output elements x input elements).'],
        parameters: [{ name: 'v', type: 'Float64Array' }],
        returnType: 'number[]',
        statements: [
          ...(statements.includes('erf(') ? ['const erf = R.erfNum; // the printed expressions call erf(x)'] : []),
          ...flatSymbols.map((s, j) => `const ${s} = v[${j}]!;`),
          statements,
        ],
      });
      const outSizes = p.outputs.map((o) => size(o.type.shape));
      const inSizes = p.inputs.map((i) => size(i.type.shape));
      sf.addVariableStatement({
        declarationKind: CONST,
        declarations: [{ name: 'layout', initializer: `{ outputs: [${outSizes.join(', ')}], inputs: [${inSizes.join(', ')}] }` }],
      });
      sf.addFunction({
        name: 'predict',
        isExported: true,
        docs: [
          'Outputs and Jacobian at one example: `jacobian[output][input]` is row-major [output elements, input elements],\n' +
            'entry (i, j) = d output.flat[i] / d input.flat[j].',
        ],
        parameters: [{ name: 'inputs', type: 'Inputs' }],
        returnType: 'Result',
        statements: [
          `R.checkInputNames(inputs, [${p.inputs.map((i) => lit(i.name)).join(', ')}], ${modName});`,
          `const v = new Float64Array(${nIn});`,
          'let at = 0;',
          ...p.inputs.map(
            (i) => `v.set(R.readInput(inputs, ${lit(i.name)}, inputShapes[${lit(i.name)}], undefined, Float64Array, ${modName}), at); at += ${size(i.type.shape)};`,
          ),
          'const r = evaluateAll(v);',
          'let pos = 0;',
          'const take = (n: number): Float64Array => { const a = Float64Array.from(r.slice(pos, pos + n)); pos += n; return a; };',
          `const outputs = { ${p.outputs.map((o, j) => `${lit(o.name)}: take(layout.outputs[${j}]!)`).join(', ')} };`,
          // Jacobian rows are over all inputs concatenated: split each row by input.
          `const rows = layout.outputs.map((n) => Array.from({ length: n }, () => take(${nIn})));`,
          'const block = (o: number, i: number): Float64Array => {',
          '  const off = layout.inputs.slice(0, i).reduce((a, b) => a + b, 0);',
          '  const w = layout.inputs[i]!;',
          '  const out = new Float64Array(rows[o]!.length * w);',
          '  rows[o]!.forEach((row, k) => out.set(row.subarray(off, off + w), k * w));',
          '  return out;',
          '};',
          `return { outputs, jacobian: { ${p.outputs
            .map((o, j) => `${lit(o.name)}: { ${p.inputs.map((i, q) => `${lit(i.name)}: block(${j}, ${q})`).join(', ')} }`)
            .join(', ')} } };`,
        ],
      });
    },
  };
}
