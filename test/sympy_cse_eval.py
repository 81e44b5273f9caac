#!/usr/bin/python3
"""Loads a SymPy snippet printed by layergen the way a user would, and evaluates it at a point.

Reads JSON {"text": snippet, "env": {symbol: value}} on stdin. `exec`s the text at Python's
default recursion limit, then evaluates the cse() convention at the point: each replacement
`(t, expr)` in order, its symbols replaced by their values (`xreplace` under `evaluate(False)`,
so nothing is simplified on the way) and the result `evalf`'d to 30 digits, then the reduced
outputs the same way. (`expr.evalf(subs=...)` falls back to `subs` for functions such as tanh
and is far slower; `subs`/`xreplace` with evaluation rebuild every product.)
Prints JSON {"load": s, "eval": s, "limit": recursion limit, "vals": [...]}. Used by
test/backends/symbolicScale.test.ts and test/onnx/published.test.ts with Debian's
/usr/bin/python3 (python3-sympy).
"""
import json
import sys
import time

import sympy as sp

job = json.load(sys.stdin)
t0 = time.time()
ns = {}
exec(job["text"], ns)
t1 = time.time()
values = {sp.Symbol(k): sp.Float(repr(v), 30) for k, v in job["env"].items()}


def at_point(e):
    with sp.evaluate(False):
        e = sp.sympify(e).xreplace(values)
    return e.evalf(30)


for s, e in ns.get("replacements", []):
    values[s] = at_point(e)
out = ns["result"]
vals = [float(at_point(e)) for e in (out if isinstance(out, list) else [out])]
print(json.dumps({"load": t1 - t0, "eval": time.time() - t1, "limit": sys.getrecursionlimit(), "vals": vals}))
