/** The formula traversal and rewrite driver (compiler/ir/traverse.ts) on every node kind. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { F } from '../../compiler/ir/formula.js';
import { countInputs, scalarSize } from '../../compiler/ir/substitute.js';
import { children, formulaKey, numericView, rewrite, sameFormula, some, walk } from '../../compiler/ir/traverse.js';

const x0: F = { k: 'input', slot: 0, at: [{ k: 'var', name: 'i0' }] };
const w: F = { k: 'param', name: 'weight', at: [{ k: 'var', name: 'i0' }, { k: 'var', name: 'r' }] };
const xr: F = { k: 'input', slot: 0, at: [{ k: 'var', name: 'r' }] };
const sum: F = { k: 'reduce', op: 'sum', v: 'r', n: 3, body: { k: 'prim', op: 'mul', args: [w, xr] } };
const alt: F = { k: 'alt', numeric: { k: 'prim', op: 'exp', args: [x0] }, symbolic: { k: 'prim', op: 'tanh', args: [x0] } };
const guard: F = { k: 'guard', bounds: [{ ix: { k: 'var', name: 'i0' }, lt: 3 }], body: { k: 'shift', body: sum }, otherwise: { k: 'num', v: 0 } };
const f: F = { k: 'prim', op: 'add', args: [guard, alt] };

test('walk reaches every node kind, both forms of alt included', () => {
  const kinds = new Set<string>();
  walk(f, (n) => void kinds.add(n.k));
  assert.equal([...kinds].sort(), ['alt', 'guard', 'input', 'num', 'param', 'prim', 'reduce', 'shift']);
  assert.is(countInputs(f, 0), 3, 'the reduction body and both alt forms');
  assert.is(scalarSize(f), 9, 'add, guard, reduce (not entered), 0, alt, exp, x, tanh, x; the shift is free');
  assert.ok(some(f, (n) => n.k === 'prim' && n.op === 'tanh'));
  assert.equal(children(guard), [{ k: 'shift', body: sum }, { k: 'num', v: 0 }]);
});

test('rewrite: rules apply top-down to a fixed point, untouched nodes are kept', () => {
  const v = numericView(f);
  assert.not.ok(some(v, (n) => n.k === 'alt' || (n.k === 'prim' && n.op === 'tanh')));
  assert.ok((v as Extract<F, { k: 'prim' }>).args[0] === guard, 'the guard branch has no alt: the same object');
  const zeroed = rewrite(f, [(n) => (n.k === 'reduce' ? { k: 'num', v: 0 } : undefined), (n) => (n.k === 'shift' ? n.body : undefined)]);
  assert.not.ok(some(zeroed, (n) => n.k === 'reduce' || n.k === 'shift'));
  assert.throws(() => rewrite(x0, [(n) => ({ ...n })]), /do not terminate/);
});

test('formulaKey: structural equality, distinct for different formulas', () => {
  const copy = JSON.parse(JSON.stringify(f)) as F;
  assert.ok(copy !== f && sameFormula(copy, f));
  const other: F = { ...sum, n: 4 };
  assert.not.ok(sameFormula(sum, other));
  assert.is.not(formulaKey({ k: 'num', v: 0 }), formulaKey({ k: 'num', v: -0 }));
  assert.is.not(formulaKey({ k: 'param', name: 'a,b', at: [] }), formulaKey({ k: 'param', name: 'a', at: [] }));
});

test.run();
