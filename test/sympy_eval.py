#!/usr/bin/python3
"""Runs a SymPy snippet printed by layergen and evaluates its `result` at a point.

Reads JSON {"text": snippet, "env": {symbol: value}} on stdin; prints the JSON list of the
values of `result` (an expression or a list), each computed at 30 digits node by node over the
shared DAG (no tree expansion, no recursion limit). Used by test/runtime/symbolic/shared.test.ts
and bench/symbolic-vs-sympy.ts with Debian's /usr/bin/python3 (python3-sympy).
"""
import json
import sys

import sympy as sp

job = json.load(sys.stdin)
ns = {}
exec(job["text"], ns)
env = {sp.Symbol(k): sp.Float(repr(v), 30) for k, v in job["env"].items()}
memo = {}


def value(root):
    stack = [root]
    while stack:
        e = stack[-1]
        if id(e) in memo:
            stack.pop()
            continue
        if not e.args:
            memo[id(e)] = env[e] if e.is_Symbol else sp.Float(e, 30)
            stack.pop()
            continue
        todo = [a for a in e.args if id(a) not in memo]
        if todo:
            stack.extend(todo)
            continue
        memo[id(e)] = sp.Float(e.func(*[memo[id(a)] for a in e.args]).evalf(30), 30)
        stack.pop()
    return float(memo[id(root)])


# cse convention: each replacement symbol's value from the inputs and the earlier ones
for s, e in ns.get("replacements", []):
    env[s] = sp.Float(value(e), 30)
    memo.clear()
out = ns["result"]
print(json.dumps([value(e) for e in (out if isinstance(out, list) else [out])]))
