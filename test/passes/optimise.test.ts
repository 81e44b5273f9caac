/**
 * The optimising passes — fuseElementwise, foldBatchNorm, cse — each on a small graph (before
 * and after), and on every PyTorch fixture: the net optimised with the pass gives the fixture's
 * float64 outputs (1e-9 relative) as the net without it does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dumpGraph, formulaText } from '../../compiler/dump.js';
import { loadNet, loadNetText } from '../../compiler/frontend/index.js';
import { float64, interpret } from '../../compiler/interpret.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { cse } from '../../compiler/passes/cse.js';
import { foldBatchNorm } from '../../compiler/passes/foldBatchNorm.js';
import { fuseElementwise } from '../../compiler/passes/fuseElementwise.js';
import { optimize, PIPELINE } from '../../compiler/passes/pipeline.js';
import { buildText, emit } from '../../compiler/index.js';
import { example, fixtureNames, loadFixture, mismatch, repo } from '../helpers.js';

const NEW_PASSES = ['fuseElementwise', 'foldBatchNorm', 'cse'];
const base = (yaml: string): Graph => optimize(loadNetText(yaml, 't.yaml').graph, { disable: NEW_PASSES });
const names = (g: Graph): string[] => g.nodes.map((n) => n.name);

function sameOutputs(a: Graph, b: Graph, inputs: Record<string, number[]>, tol = 0): void {
  const ra = interpret(a, inputs, float64);
  const rb = interpret(b, inputs, float64);
  for (const [k, v] of Object.entries(ra)) {
    v.forEach((x, i) => assert.ok(Math.abs(x - rb[k]![i]!) <= tol * Math.max(1, Math.abs(x)), `${k}[${i}]: ${x} vs ${rb[k]![i]}`));
  }
}

const CHAIN = `name: t
inputs:
  x: [3]
layers:
  - {name: fc, type: linear, units: 4}
  - {name: act, type: relu}
  - {name: drop, type: dropout}
  - {name: t1, type: tanh}
  - {name: fc2, type: linear, units: 2}
  - {name: s1, type: sigmoid, input: fc2}
  - {name: s2, type: silu, input: fc2}
outputs: [t1, s1, s2]
seed: 5
`;

test('fuseElementwise: pointwise chains fuse into their producer; shared or output producers do not', () => {
  const g = base(CHAIN);
  assert.equal(names(g), ['x', 'fc', 'act', 'drop', 't1', 'fc2', 's1', 's2']);
  const f = fuseElementwise(g);
  assert.equal(names(f), ['x', 'fc+act+drop+t1', 'fc2', 's1', 's2'], 'fc2 has two consumers: kept');
  const fused = f.nodes[1]!;
  assert.is(fused.op, 'fused');
  assert.is(fused.attrs.ops, 'linear+relu+dropout+tanh');
  assert.is(fused.id, g.nodes.find((n) => n.name === 't1')!.id, 'takes the id of the last consumer (the output)');
  assert.equal(fused.inputs, [g.inputs[0]]);
  assert.equal(Object.keys(fused.params), ['weight', 'bias']);
  assert.equal(fused.origin, { weight: 'fc.weight', bias: 'fc.bias' }, 'parameter labels stay PyTorch names');
  assert.is(formulaText(fused.formula!), 'tanh(max(0, (sum[r0<3]((weight[i0, r0] * in0[r0])) + bias[i0])))');
  sameOutputs(g, f, { x: [0.5, -1, 2] });
  assert.equal(names(g), ['x', 'fc', 'act', 'drop', 't1', 'fc2', 's1', 's2'], 'input graph untouched');
});

test('fuseElementwise: a long chain keeps short names, and its code grows linearly with the chain', async () => {
  const chain = (n: number) =>
    `name: c\ninputs:\n  x: [4]\nlayers:\n${Array.from({ length: n }, (_, i) => `  - {name: a_rather_long_layer_name_${i}, type: ${i % 2 ? 'tanh' : 'relu'}}\n`).join('')}seed: 1\n`;
  const g = fuseElementwise(base(chain(200)));
  assert.ok(g.nodes.every((node) => node.name.length <= 100), 'fused names are bounded');
  assert.is(g.nodes[1]!.name, 'a_rather_long_layer_name_0+…+a_rather_long_layer_name_31');
  const code = async (n: number) => (await emit(optimize(buildText(chain(n), 'c.yaml').graph), 'c.yaml', { targets: ['numeric'], format: false }))[0]!.text;
  const [small, large] = [await code(100), await code(400)];
  const longest = (t: string) => Math.max(...(t.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? []).map((w) => w.length));
  assert.ok(longest(large) <= 48, `longest identifier ${longest(large)}`);
  assert.ok(large.length < 4.5 * small.length, `${small.length} -> ${large.length} bytes for 4x the layers`);
});

test('fuseElementwise: a consumer using its input several times (gelu) duplicates only small producers', () => {
  const g = base('name: t\ninputs:\n  x: [4]\nlayers:\n  - {name: fc, type: linear, units: 3}\n  - {name: g, type: gelu, approximate: tanh}\nseed: 2\n');
  const f = fuseElementwise(g);
  assert.equal(names(f), ['x', 'fc+g']);
  // x appears five times in gelu's tanh form: so does the reduction, identical each time
  // (backends compute identical reductions once)
  assert.is(formulaText(f.nodes[1]!.formula!).split('sum[r0<4]').length - 1, 5);
  sameOutputs(g, f, { x: [1, -2, 0.5, 3] });
});

const BN = `name: t
inputs:
  x: [2, 5, 5]
layers:
  - {name: conv, type: conv2d, channels: 3, kernel: 3, bias: false}
  - {name: bn, type: batchnorm, eps: 0.001}
  - {name: r, type: relu}
  - {type: flatten}
  - {name: fc, type: linear, units: 4}
  - {name: bn2, type: batchnorm, affine: false}
seed: 9
`;

test('foldBatchNorm: conv+bn and linear+bn fold into weights and bias; results agree to float64 rounding', () => {
  const g0 = loadNetText(BN, 't.yaml').graph;
  // non-trivial running statistics
  const withStats: Graph = {
    ...g0,
    nodes: g0.nodes.map((n) =>
      n.op !== 'batchnorm'
        ? n
        : {
            ...n,
            params: Object.fromEntries(
              Object.entries(n.params).map(([k, t]) => [k, { ...t, data: t.data.map((_, i) => (k === 'running_var' ? 0.5 + i : k === 'running_mean' ? 0.3 * i - 0.2 : 1.5 - 0.25 * i)) }]),
            ),
          },
    ),
  };
  const g = optimize(withStats, { disable: NEW_PASSES });
  const f = foldBatchNorm(g);
  assert.equal(names(f), ['x', 'conv+bn', 'r', 'flatten1', 'fc+bn2']);
  const conv = f.nodes[1]!;
  assert.is(conv.op, 'conv2d');
  assert.is(conv.attrs.bias, true, 'a bias appears');
  assert.equal(conv.origin!.weight, 'conv.weight (bn folded)');
  const x = Array.from({ length: 50 }, (_, i) => Math.sin(i));
  sameOutputs(g, f, { x }, 1e-12);
});

test('foldBatchNorm: not after a layer with other consumers, nor a linear with a rank-2 output', () => {
  const shared = base('name: t\ninputs:\n  x: [4]\nlayers:\n  - {name: fc, type: linear, units: 3}\n  - {name: bn, type: batchnorm}\n  - {name: o, type: relu, input: fc}\noutputs: [bn, o]\nseed: 1\n');
  assert.equal(names(foldBatchNorm(shared)), names(shared));
  const rank2 = base('name: t\ninputs:\n  x: [3, 4]\nlayers:\n  - {name: fc, type: linear, units: 2}\n  - {name: bn, type: batchnorm}\nseed: 1\n');
  assert.equal(names(foldBatchNorm(rank2)), names(rank2), 'batchnorm channels are axis 0 (3 rows), not the units');
});

const TWINS = `name: t
inputs:
  x: [3]
layers:
  - {name: a, type: linear, units: 2, input: x, params: {weight: [[1, 2, 3], [4, 5, 6]], bias: [0, 1]}}
  - {name: b, type: linear, units: 2, input: x, params: {weight: [[1, 2, 3], [4, 5, 6]], bias: [0, 1]}}
  - {name: c, type: linear, units: 2, input: x, params: {weight: [[1, 2, 3], [4, 5, 7]], bias: [0, 1]}}
  - {name: ra, type: tanh, input: a}
  - {name: rb, type: tanh, input: b}
  - {name: sum, type: add, inputs: [ra, rb, c]}
  - {name: out2, type: tanh, input: b}
outputs: [sum, out2]
`;

test('cse: identical layers (same op, inputs, attributes and parameter data) are computed once', () => {
  const g = base(TWINS);
  const f = cse(g);
  assert.equal(names(f), ['x', 'a', 'c', 'ra', 'sum', 'out2'], 'b is a, so rb is ra; c differs in one weight');
  const sum = f.nodes.find((n) => n.name === 'sum')!;
  const ra = f.nodes.find((n) => n.name === 'ra')!;
  assert.equal(sum.inputs.slice(0, 2), [ra.id, ra.id]);
  sameOutputs(g, f, { x: [0.1, -0.2, 0.3] });
  const outputs = base(TWINS.replace('outputs: [sum, out2]', 'outputs: [ra, rb]'));
  assert.equal(names(cse(outputs)), ['x', 'a', 'ra', 'rb'], 'b is a, but rb, an output, is kept');
});

test('the pipeline lists the passes in order; keepParams skips folding (symbolic parameters)', () => {
  assert.equal(
    PIPELINE.map((p) => p.name),
    ['inferShapes', 'expandComposites', 'removeDead', 'foldConstants', 'foldBatchNorm', 'cse', 'fuseElementwise', 'removeDead'],
  );
  const g = loadNetText(BN, 't.yaml').graph;
  const seen: string[] = [];
  const kept = optimize(g, { keepParams: true, trace: (p) => seen.push(p) });
  assert.not.ok(seen.includes('foldBatchNorm'));
  assert.is(kept.nodes.filter((n) => n.params.running_var).length, 2, 'both batchnorms kept, with their statistics');
});

test('dumpGraph: one row per node with op, inputs, shape and parameters; fused formulas below', () => {
  const text = dumpGraph(fuseElementwise(base(CHAIN)));
  assert.match(text, /^#\s+node\s+op\s+inputs\s+shape\s+params$/m);
  assert.match(text, /fc\+act\+drop\+t1 -> t1\s+fused\(linear\+relu\+dropout\+tanh\)\s+x\s+\[4\]\s+weight\[4, 3\] bias\[4\]/);
  assert.match(text, /formulas:\n {2}fc\+act\+drop\+t1 = tanh\(max\(0, /);
  assert.match(text, /5 nodes, \d+ parameters$/);
});

// Every fixture, through the pipeline with and without each new pass: the same PyTorch results.
for (const name of fixtureNames()) {
  test(`${name}: fixture outputs unchanged by ${NEW_PASSES.join(', ')}`, () => {
    const fx = loadFixture(name);
    const g = loadNet(repo(fx.net)).graph;
    const graphs = [optimize(g), ...NEW_PASSES.map((p) => optimize(g, { disable: NEW_PASSES.filter((q) => q !== p) }))];
    const c = fx.cases[0]!;
    for (const opt of graphs) {
      for (let b = 0; b < Math.min(c.batch, 2); b++) {
        const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, example(v, c.batch, b)]));
        const got = interpret(opt, inputs, float64);
        for (const [o, ref] of Object.entries(c.float64)) {
          assert.is(mismatch(got[o]!, example(ref, c.batch, b), 1e-9, 1e-300, `${o} (example ${b})`), null);
        }
      }
    }
  });
}

test.run();
