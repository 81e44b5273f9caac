/** Numeric scalar helpers that generated numeric modules call (`R.sigmoidNum`, `R.erfNum`). */
export { erfNum } from './symbolic/index.js';

/** Logistic sigmoid, 1 / (1 + exp(-x)), as PyTorch computes it. */
export function sigmoidNum(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
