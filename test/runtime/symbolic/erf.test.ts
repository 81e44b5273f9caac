import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { erfNum } from '@layergen/runtime';
import { close } from './util.js';

// erf of the float64 nearest each x, from mpmath at 40 digits.
const KNOWN: [number, number][] = [
  [0.5, 0.5204998778130465376827467],
  [1, 0.8427007929497148693412206],
  [2, 0.9953222650189527341620693],
  [-3, -0.9999779095030014145586272],
  [1e-10, 1.12837916709551261500173e-10],
  [1e-3, 0.001128378790969236403437564],
  [0.1, 0.1124629160182848984047123],
  [0.84375, 0.7672256612323416334589782],
  [-0.9, -0.7969082124228321396646662],
  [1.2, 0.9103139782296353683659318],
  [1.25, 0.9229001282564582301365235],
  [2.5, 0.9995930479825550410604358],
  [2.857, 0.9999466417399131536288757],
  [3.5, 0.9999992569016276585872545],
  [4.5, 0.9999999998033839558457113],
  [5.9, 0.9999999999999999280959022],
  [-0.3, -0.328626759459127416189618],
  [0.7, 0.6778011938374184422768582],
];

test('erfNum matches high-precision values to < 1e-15 relative', () => {
  for (const [x, v] of KNOWN) close(erfNum(x), v, 1e-15, `erf(${x})`, 1e-300);
});

test('erfNum: the values quoted in the spec, exactly', () => {
  assert.is(erfNum(0.5), 0.5204998778130465);
  assert.is(erfNum(1), 0.8427007929497149);
  assert.is(erfNum(2), 0.9953222650189527);
  assert.is(erfNum(-3), -0.9999779095030014);
});

test('erfNum special values and symmetry', () => {
  assert.is(erfNum(0), 0);
  assert.is(erfNum(Infinity), 1);
  assert.is(erfNum(-Infinity), -1);
  assert.is(erfNum(30), 1);
  assert.ok(Number.isNaN(erfNum(NaN)));
  assert.is(erfNum(1e-300), 1.1283791670955126e-300);
  for (let x = 0.01; x < 7; x *= 1.37) assert.is(erfNum(-x), -erfNum(x));
});

test('erfNum is monotone on a fine grid', () => {
  let prev = -1;
  for (let x = -6; x <= 6; x += 1 / 1024) {
    const v = erfNum(x);
    assert.ok(v >= prev, `erf not monotone at ${x}`);
    prev = v;
  }
});

test.run();
