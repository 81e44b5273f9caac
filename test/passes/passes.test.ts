/** Each pass on a small graph, before and after. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadNetText } from '../../compiler/frontend/index.js';
import { tensor, type Graph, type Node } from '../../compiler/ir/graph.js';
import { foldConstants } from '../../compiler/passes/foldConstants.js';
import { inferShapes } from '../../compiler/passes/inferShapes.js';
import { optimize, PIPELINE } from '../../compiler/passes/pipeline.js';
import { removeDead } from '../../compiler/passes/removeDead.js';
import { LayergenError } from '../../compiler/errors.js';

const BRANCHY = `name: t
inputs:
  x: [3]
layers:
  - name: fc
    type: linear
    units: 2
  - name: dead
    type: tanh
    input: fc
  - name: alsodead
    type: relu
  - name: out
    type: sigmoid
    input: fc
outputs: [out]
seed: 3
`;

test('removeDead drops layers no output needs, keeps inputs', () => {
  const g = loadNetText(BRANCHY, 'n.yaml').graph;
  assert.equal(g.nodes.map((n) => n.name), ['x', 'fc', 'dead', 'alsodead', 'out']);
  const after = removeDead(g);
  assert.equal(after.nodes.map((n) => n.name), ['x', 'fc', 'out']);
  assert.is(g.nodes.length, 5, 'input graph untouched');
});

const constGraph = (): Graph => {
  const nodes: Node[] = [
    { id: 0, op: 'input', name: 'x', inputs: [], attrs: {}, params: {}, type: { shape: [2], dtype: 'float' } },
    { id: 1, op: 'const', name: 'k', inputs: [], attrs: {}, params: { value: tensor([2], [1, -2]) }, type: { shape: [2], dtype: 'float' } },
    {
      id: 2,
      op: 'linear',
      name: 'fc',
      inputs: [1],
      attrs: { units: 1, bias: true },
      params: { weight: tensor([1, 2], [3, 4]), bias: tensor([1], [0.5]) },
    },
    { id: 3, op: 'relu', name: 'r', inputs: [2], attrs: {}, params: {} },
    { id: 4, op: 'tanh', name: 't', inputs: [0], attrs: {}, params: {} },
  ];
  return { name: 'c', nodes, inputs: [0], outputs: [{ name: 'r', node: 3 }, { name: 't', node: 4 }] };
};

test('inferShapes fills every type and rejects bad shapes with the layer named', () => {
  const g = inferShapes(constGraph());
  assert.equal(g.nodes.map((n) => n.type!.shape), [[2], [2], [1], [1], [2]]);
  const bad: Graph = { ...constGraph(), nodes: constGraph().nodes.map((n) => (n.id === 2 ? { ...n, params: { ...n.params, bias: tensor([2], [0, 0]) } } : n)) };
  assert.throws(() => inferShapes(bad), (e: unknown) => e instanceof LayergenError && /layer "fc": parameter "bias": expected shape \[1\], got \[2\]/.test(e.message));
});

test('foldConstants evaluates layers whose inputs are constant', () => {
  const g = foldConstants(inferShapes(constGraph()));
  const fc = g.nodes.find((n) => n.name === 'fc')!;
  const r = g.nodes.find((n) => n.name === 'r')!;
  // fc = 3*1 + 4*(-2) + 0.5 = -4.5; relu -> 0
  assert.is(fc.op, 'const');
  assert.equal(Array.from(fc.params.value!.data), [-4.5]);
  assert.is(r.op, 'const');
  assert.equal(Array.from(r.params.value!.data), [0]);
  assert.is(g.nodes.find((n) => n.name === 't')!.op, 'tanh', 'a layer on a real input stays');
  const cleaned = removeDead(g);
  assert.equal(cleaned.nodes.map((n) => n.name), ['x', 'r', 't'], 'folded producers become dead');
});

test('the pipeline runs named passes in order; passes can be disabled and traced', () => {
  const seen: string[] = [];
  const g = loadNetText(BRANCHY, 'n.yaml').graph;
  const out = optimize(g, { trace: (p) => seen.push(p) });
  assert.equal(seen, PIPELINE.map((p) => p.name));
  assert.equal(out.nodes.map((n) => n.name), ['x', 'fc+out'], 'dead layers removed, then sigmoid fused into fc');
  const kept = optimize(g, { disable: ['removeDead', 'fuseElementwise'] });
  assert.is(kept.nodes.length, 5);
});

test.run();
