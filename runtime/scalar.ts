/**
 * Numeric scalar helpers that generated numeric modules call (`R.sigmoidNum`, `R.tanhNum`,
 * `R.expNum`, `R.erfNum`), shared with the reference interpreter so both round alike.
 *
 * `expNum` and `tanhNum` are written out in JS because V8's Math.exp and Math.tanh are calls
 * into C (7-12 ns each on this machine), and recurrent layers spend most of their time in
 * them: LSTM(4->8) over 50 steps makes 2000 such calls per example. Both are accurate to a
 * couple of ulps (checked against 200-bit mpmath values in test/runtime/scalar.test.ts);
 * outside the range the fast path handles (NaN, overflow, subnormal results) they defer to
 * Math.exp. The numeric backend's WebAssembly kernels carry the same three functions, operation for
 * operation (compiler/backends/numeric/wasmMap.ts, which reads the table and constants below).
 */
export { erfNum } from './symbolic/index.js';

/** 2^(j/64) for j = 0..63, correctly rounded (computed with mpmath at 200 bits). */
export const EXP2_64 = new Float64Array([
  1.0, 1.0108892860517005, 1.0218971486541166, 1.0330248790212284,
  1.0442737824274138, 1.0556451783605572, 1.0671404006768237, 1.0787607977571199,
  1.0905077326652577, 1.102382583307841, 1.1143867425958924, 1.1265216186082418,
  1.1387886347566916, 1.1511892299529827, 1.1637248587775775, 1.1763969916502812,
  1.189207115002721, 1.202156731452703, 1.215247359980469, 1.22848053610687,
  1.241857812073484, 1.255380757024691, 1.2690509571917332, 1.2828700160787783,
  1.2968395546510096, 1.3109612115247644, 1.3252366431597413, 1.339667524053303,
  1.3542555469368927, 1.3690024229745905, 1.383909881963832, 1.3989796725383112,
  1.4142135623730951, 1.42961333839197, 1.4451808069770467, 1.460917794180647,
  1.4768261459394993, 1.4929077282912648, 1.5091644275934228, 1.5255981507445384,
  1.5422108254079407, 1.559004400237837, 1.5759808451078865, 1.593142151342267,
  1.6104903319492543, 1.6280274218573478, 1.645755478153965, 1.6636765803267364,
  1.681792830507429, 1.7001063537185235, 1.718619298122478, 1.7373338352737062,
  1.7562521603732995, 1.7753764925265212, 1.7947090750031072, 1.8142521755003989,
  1.8340080864093424, 1.8539791250833855, 1.8741676341103, 1.8945759815869656,
  1.9152065613971474, 1.9360617934922943, 1.9571441241754002, 1.978456026387951,
]);

/** 2^k for k = -1022..1023 (index k + 1022); every entry exact. */
const POW2 = new Float64Array(2046);
for (let i = 0, v = 2 ** -1022; i < POW2.length; i++, v *= 2) POW2[i] = v;

export const INV_LN2_64 = 92.33248261689366; // 64 / ln 2
/** ln(2) / 64 split in two: HI has 33 significant bits, so t * HI is exact for |t| < 2^20. */
export const LN2_64_HI = 0.010830424695086549;
export const LN2_64_LO = 1.162596423439437e-12;

/**
 * e^x as 2^k * 2^(j/64) * e^r, with x = (64 k + j) ln2/64 + r and |r| <= ln2/128, e^r - 1 by
 * its degree-5 Taylor polynomial (truncation error below 4e-17).
 */
export function expNum(x: number): number {
  if (!(x > -708 && x < 709)) return Math.exp(x);
  const t = Math.round(x * INV_LN2_64);
  const r = x - t * LN2_64_HI - t * LN2_64_LO;
  const k = t | 0;
  const p = r + r * r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120))));
  const s = EXP2_64[k & 63]!;
  return (s + s * p) * POW2[(k >> 6) + 1022]!;
}

/**
 * tanh(x). For |x| < 0.55 the 7th convergent of Lambert's continued fraction
 * x / (1 + x^2 / (3 + x^2 / (5 + ...))) as one rational function of x^2 (relative error below
 * 4e-16 there, and no cancellation near 0); beyond, 1 - 2 / (e^(2|x|) + 1).
 */
export function tanhNum(x: number): number {
  const a = Math.abs(x);
  if (a < 1e-8) return x; // x^3 / 3 is below half an ulp of x (keeps -0)
  if (a < 0.55) {
    // x P(u) / Q(u) written as x + x u (P - Q) / (u Q): the small correction carries the rounding
    const u = x * x;
    const q = 1 + u * (7 / 15 + u * (1 / 39 + u * (2 / 6435 + u / 2027025)));
    return x - ((x * u) * (1 / 3 + u * (1 / 45 + u * (2 / 6825 + u / 2027025)))) / q;
  }
  const t = 1 - 2 / (expNum(2 * a) + 1);
  return x < 0 ? -t : t;
}

/**
 * Logistic sigmoid, 1 / (1 + exp(-x)) as PyTorch computes it; below -700, where exp(-x) would
 * overflow, e^x (equal to e^x / (1 + e^x) in float64 there).
 */
export function sigmoidNum(x: number): number {
  return x < -700 ? expNum(x) : 1 / (1 + expNum(-x));
}

/**
 * In-place bulk forms for generated straight-line code (see compiler/backends/numeric/straight.ts):
 * `a[i] = f(a[i])` for i in [from, to). A Float32Array rounds each result like Math.fround.
 */
export function sigmoidAll(a: Float64Array | Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) a[i] = sigmoidNum(a[i]!);
}

export function tanhAll(a: Float64Array | Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) a[i] = tanhNum(a[i]!);
}

export function expAll(a: Float64Array | Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) a[i] = expNum(a[i]!);
}
