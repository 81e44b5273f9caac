/**
 * A tiny GPT from ONNX (test/fixtures/onnx/tiny_gpt: token + learned position embedding, one
 * causal pre-norm encoder layer, final layernorm, linear head; torch 1.13 export). Its attention
 * merges the batch with the heads, so it imports with the batch fixed; numeric and gpu equality
 * with PyTorch and onnxruntime are in fixtures / ort / gpu tests. Here: the error without the
 * fixed batch, and symbolic logits — as expressions of the token embeddings — that evaluate to
 * the numeric module and print linearly.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as S from '@layergen/runtime';
import { LayergenError } from '../../compiler/errors.js';
import { importOnnxFile } from '../../compiler/frontend/onnx/index.js';
import { isInput } from '../../compiler/ir/graph.js';
import { compileAndImport, mismatch } from '../helpers.js';
import { importToTemp, modelPath } from './support.js';

const FILE = modelPath('tiny_gpt.opset17.onnx');
const SPEC = { shapes: { ids: [1, 6] } } as const;

interface SymbolicModule {
  predict(inputs: Record<string, unknown>, options?: S.SymbolicOptions): Record<string, S.Expr[]>;
}
interface NumericModule {
  predict(inputs: Record<string, unknown>): Record<string, Float64Array>;
}

test('tiny GPT without --shape: the error names the nodes that merge batch and heads and says to fix the batch', () => {
  let msg = '';
  try {
    importOnnxFile(FILE);
  } catch (e) {
    if (!(e instanceof LayergenError)) throw e;
    msg = e.message;
  }
  // The export has a batch of 1 and static shapes: the leading 1 is taken as the batch, and the
  // head split reshapes [6, N, 8] to [6, 2, 4].
  assert.match(msg, /node "\/block\/self_attn\/Reshape" \(Reshape\): reshape of \[6, N, 8\] to \[6, 2, 4\] does not keep the batch axis; the model merges the batch with another axis \(such as batch x heads in attention\), which layergen cannot keep apart: fix the batch size \(e\.g\. --shape ids=1,6\)/);
});

test('tiny GPT (--shape ids=1,6): logits as expressions of the token embeddings evaluate to the numeric module and print linearly', async () => {
  const { yaml, result } = importToTemp(FILE, undefined, SPEC);
  const sym = await compileAndImport<SymbolicModule>(yaml, 'symbolic');
  const num = await compileAndImport<NumericModule>(yaml, 'numeric');
  const ids = [3, 1, 4, 1, 5, 9];
  const want = Array.from(num.predict({ ids }).logits!);
  const logits = sym.predict({ ids }, { symbolicParams: ['tok'] }).logits!;
  const free = S.freeSymbols(logits);
  // The rows of the embedding the tokens pick (5 distinct tokens x 8 features), nothing else.
  assert.is(free.length, 5 * 8, free.slice(0, 4).join(', '));
  assert.ok(free.every((s) => /^tok_weight_(1|3|4|5|9)_\d$/.test(s)), free.join(', '));
  const tok = result.graph.nodes.find((n) => !isInput(n) && n.name === 'tok')!.params.weight!;
  const env = Object.fromEntries(free.map((s) => {
    const [, r, c] = /^tok_weight_(\d+)_(\d+)$/.exec(s)!;
    return [s, tok.data[Number(r) * 8 + Number(c)]!];
  }));
  assert.is(mismatch(S.evaluateAll(logits, env), want, 1e-9, 1e-300, 'symbolic logits at the embedding values'), null);
  const nodes = S.countNodes(logits);
  for (const lang of ['text', 'sympy', 'js', 'mathematica', 'latex'] as const) {
    const text = S.format(logits, lang);
    assert.ok(text.length < 400 * nodes, `${lang}: ${text.length} characters for ${nodes} DAG nodes`);
  }
  console.log(`  note: tiny GPT symbolic logits: ${logits.length} expressions of ${free.length} embedding symbols, ${nodes} DAG nodes`);
});

test.run();
