"""Size and cost of the generated code, this checkout against another one, in one run.

For VS-machine at processors = 2, 3, 4 and for a synthetic automaton whose effects are chains
``with s.when(flag[p]): s.order = s.order.append(p)`` (a DAG of n nodes, a tree of 2^n leaves),
a child process of each checkout's interpreter builds the machine and generates its code, and
reports: the source size of ``successors``, of the explorer's ``layer`` and of all per-instance
``steps`` (generated eagerly before the change, on demand after it), the time of generating
what exploration needs (``compile_machine`` and the layer; before the change this included the
steps), and the peak memory of tracing and of that generation (``tracemalloc``, in a second pass,
so that it does not slow the timed one). Ratios are base / this (> 1: this checkout generates
less, or faster).

    .venv/bin/python benchmarks/codegen_scale.py --base /path/to/old/checkout

(the other checkout with its own virtualenv, e.g. ``git worktree add /tmp/base 9f19844`` and
``bash scripts/setup`` there).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

VS_SCOPE = {"view_ids": 2, "messages": 1, "max_inputs": 2}

CHILD = r"""
import json, sys, time, tracemalloc
from ioakit.lang.automaton import Decl, ScopeParam, Spec, internal
from ioakit.lang.ir import const
from ioakit.lang.types import BoolT, Domain, EnumT, MapT, SeqT
from ioakit.backends.codegen import compile_layer, compile_machine
from ioakit.registry import get_spec

class Chain(Spec):
    name = "when-chain"
    parameters = (ScopeParam("n", 4, "conditional appends"),)
    def declare(self, sc):
        d = Decl()
        P = EnumT(d.domain(Domain.numbered("P", sc["n"], "p")))
        d.var("flag", MapT((P,), BoolT()))
        d.var("order", SeqT(P, sc["n"]))
        return d
    @internal()
    def collect(self, s):
        P = s.flag.term.type.keys[0]
        for i in range(len(P.domain)):
            with s.when(s.flag[const(P, i)]):
                s.order = s.order.append(const(P, i))

what, scope = sys.argv[1], json.loads(sys.argv[2])
spec = Chain() if what == "chain" else get_spec(what)

def run():
    t0 = time.perf_counter()
    m = spec.build(scope)
    t1 = time.perf_counter()
    c = compile_machine(m)
    layer = compile_layer(m)
    t2 = time.perf_counter()
    return m, c, layer, t1 - t0, t2 - t1

def peaks():
    tracemalloc.start()
    m = spec.build(scope)
    build_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    c = compile_machine(m)
    compile_layer(m)
    gen_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return build_peak, gen_peak

m, c, layer, build_s, gen_s = run()
succ = c.source.split("def _step0(")[0]
if hasattr(c.steps, "source"):  # generated on demand: force them all, timed apart
    t0 = time.perf_counter()
    steps = sum(len(c.steps.source(k)) + len(c.enabled.source(k)) for k in range(len(m.actions)))
    steps_s = time.perf_counter() - t0
else:
    steps, steps_s = len(c.source) - len(succ), None
build_peak, gen_peak = peaks()
print(json.dumps({"instances": len(m.actions), "succ": len(succ), "steps": steps, "layer": len(layer.source),
                  "build_s": build_s, "gen_s": gen_s, "steps_s": steps_s,
                  "build_peak": build_peak, "gen_peak": gen_peak}))
"""

CASES: list[tuple[str, str, dict[str, int], bool]] = [
    *((f"VS-machine p={p}", "VS-machine", {"processors": p, **VS_SCOPE}, True) for p in (2, 3, 4)),
    *((f"when-chain n={n}", "chain", {"n": n}, True) for n in (4, 8, 12, 14)),
    *((f"when-chain n={n}", "chain", {"n": n}, False) for n in (16, 32)),  # 2^n: too big before
]


def _child(python: str, cwd: Path, what: str, scope: dict[str, int]) -> dict[str, float]:
    out = subprocess.run(
        [python, "-c", CHILD, what, json.dumps(scope)], cwd=cwd, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _cell(this: dict[str, float], old: dict[str, float] | None, key: str, fmt: str, scale: float = 1.0) -> str:
    """``before → after ratio`` for one measure (``—`` before when the base was not run)."""
    now = this[key]
    if old is None:
        return f"{'—':>8} → {format(now / scale, fmt):>7}      "
    before = old[key]
    return f"{format(before / scale, fmt):>8} → {format(now / scale, fmt):>7} {_ratio(before, now):>5}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}×" if a is not None and b else "—"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the other checkout (with its own .venv)")
    args = ap.parse_args()
    here = Path(__file__).resolve().parents[1]
    base = Path(args.base).resolve()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=base, capture_output=True, text=True).stdout
    print(f"base: {base} at {head.strip()}; sizes in KB of source, times in s, peaks in MB (tracemalloc)")
    cols = ("case", "inst", "succ KB", "layer KB", "steps KB", "gen s", "gen MB", "build s", "build MB")
    print(f"{cols[0]:<20} {cols[1]:>4} " + " ".join(f"{c:>22}" for c in cols[2:]))
    for label, what, scope, with_base in CASES:
        this = _child(str(here / ".venv/bin/python"), here, what, scope)
        old = _child(str(base / ".venv/bin/python"), base, what, scope) if with_base else None

        cells = (
            _cell(this, old, "succ", ",.1f", 1e3),
            _cell(this, old, "layer", ",.1f", 1e3),
            _cell(this, old, "steps", ",.1f", 1e3),
            _cell(this, old, "gen_s", ".2f"),
            _cell(this, old, "gen_peak", ".1f", 1e6),
            _cell(this, old, "build_s", ".2f"),
            _cell(this, old, "build_peak", ".1f", 1e6),
        )
        print(f"{label:<20} {this['instances']:>4} " + " ".join(cells))
        if this["steps_s"] is not None:
            print(f"{'':<25} (all steps on demand, after: {this['steps_s']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
