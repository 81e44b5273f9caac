"""Builds a symbolic LSTM forward pass in SymPy, the straightforward way (used by
bench/symbolic-vs-sympy.ts). Reads one JSON job on stdin:

  {"inputs": I, "hidden": H, "steps": T, "wIh": [...], "wHh": [...], "bIh": [...], "bHh": [...]}

(row-major [4H, I], [4H, H], [4H], [4H]; gates i, f, g, o as in PyTorch; h0 = c0 = 0) and
prints {"seconds": build time, "sympy": version} as JSON. Inputs are symbols x_t_j.
"""

import json
import sys
import time

import sympy as sp


def sigmoid(z):
    return 1 / (1 + sp.exp(-z))


def build(job):
    I, H, T = job["inputs"], job["hidden"], job["steps"]
    w_ih = sp.Matrix(4 * H, I, job["wIh"])
    w_hh = sp.Matrix(4 * H, H, job["wHh"])
    b = sp.Matrix(4 * H, 1, [u + v for u, v in zip(job["bIh"], job["bHh"])])
    h = sp.zeros(H, 1)
    c = sp.zeros(H, 1)
    for t in range(T):
        x = sp.Matrix(I, 1, [sp.Symbol(f"x_{t}_{j}") for j in range(I)])
        g = w_ih * x + w_hh * h + b
        i_gate = g[0:H, 0].applyfunc(sigmoid)
        f_gate = g[H:2 * H, 0].applyfunc(sigmoid)
        g_gate = g[2 * H:3 * H, 0].applyfunc(sp.tanh)
        o_gate = g[3 * H:4 * H, 0].applyfunc(sigmoid)
        c = f_gate.multiply_elementwise(c) + i_gate.multiply_elementwise(g_gate)
        h = o_gate.multiply_elementwise(c.applyfunc(sp.tanh))
    return h


def main():
    job = json.load(sys.stdin)
    t0 = time.perf_counter()
    build(job)
    print(json.dumps({"seconds": time.perf_counter() - t0, "sympy": sp.__version__}))


if __name__ == "__main__":
    main()
