"""Proving an invariant conjunction inductive with Z3 vs exploring the scope exhaustively.

For scopes of increasing size of VS-machine (the 14 items of Fekete–Lynch–Shvartsman Lemma 4.1)
and TO-machine (the TO facts), prints next to each other:

* the time to prove the conjunction inductive at the scope (``ioakit.engines.prove``; it
  includes building the Z3 formulas from the traced actions), and whether it is inductive;
* the time to explore every reachable state (``ioakit.engines.explore``), with the state count,
  or where the ``--max-states`` guard stopped it.

For VS-machine the conjunction proved is Lemma 4.1 *with the support* ``invariants/fls/vs_bounds.inv``
(a conservation invariant of ours, proved together with the 14 items): Lemma 4.1 alone does not
bound the queues, so Z3 cannot rule out steps cut off by the scope's bounds, and above the
prover's exploration limit (500,000 states) the proof would be UNKNOWN. The column "cuts" says how
cut steps were ruled out: ``Z3`` (from the invariants), ``explored`` (the prover's exhaustive
exploration fallback) or ``open`` (not ruled out: the result is not OK).

Exploration grows with the number of reachable states (exponential in the scope); induction is
one step deep, so it grows with the size of the formulas (the number of action instances and of
state components). The table shows where each wins. Both are claims about the *bounded* machine at
each scope.

    python benchmarks/prove_vs_explore.py               # default scopes, under ~3 minutes
    python benchmarks/prove_vs_explore.py --big         # adds larger scopes (exploration guarded)
    python benchmarks/prove_vs_explore.py --only TO-machine --max-states 500000
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ioakit.backends.symbolic import z3_version
from ioakit.engines.explore import Explorer, Verdict
from ioakit.engines.prove import Prover
from ioakit.invariants import load_invariants
from ioakit.registry import default_properties, get_spec, invariant_file

SUPPORT_FILES: dict[str, list[str]] = {"VS-machine": ["vs_bounds"], "TO-machine": []}
"""Shipped invariant files proved together with each machine's facts (``Prover.induction``'s
``support``): ``vs_bounds`` bounds VS-machine's queues so that no step is cut off by a scope."""

DEFAULT_SCOPES: dict[str, list[dict[str, int]]] = {
    "VS-machine": [
        {},
        {"max_inputs": 3},
        {"view_ids": 3},
        {"processors": 3, "initial_members": 3},
        {"messages": 2, "max_inputs": 3},
        {"view_ids": 4},
        {"processors": 3, "initial_members": 3, "view_ids": 3},
    ],
    "TO-machine": [
        {},
        {"max_inputs": 4},
        {"max_inputs": 5},
        {"processors": 3, "max_inputs": 4},
        {"max_inputs": 6},
    ],
}

BIG_SCOPES: dict[str, list[dict[str, int]]] = {
    "VS-machine": [
        {"processors": 4, "initial_members": 4},
        {"processors": 3, "initial_members": 3, "view_ids": 3, "max_inputs": 3},
        {"processors": 4, "initial_members": 4, "view_ids": 3, "max_inputs": 3},
        {"processors": 3, "initial_members": 3, "view_ids": 6, "messages": 2, "max_inputs": 4},
    ],
    "TO-machine": [
        {"processors": 3, "values": 3, "max_inputs": 5},
        {"processors": 4, "values": 2, "max_inputs": 8},
    ],
}


@dataclass(frozen=True)
class Row:
    machine: str
    scope: str
    actions: int
    induction: str
    induction_s: float
    cuts: str
    explore: str
    states: int
    explore_s: float

    @property
    def winner(self) -> str:
        if self.explore != "OK":
            return "prove"
        return "prove" if self.induction_s < self.explore_s else "explore"


def measure(name: str, given: dict[str, int], max_states: int, timeout_s: float) -> Row:
    m = get_spec(name).build(given)
    props = default_properties(m)
    t0 = time.perf_counter()
    support = [p for f in SUPPORT_FILES[name] for p in load_invariants(invariant_file(f), m).properties]
    prover = Prover(m, timeout_s)
    ind = prover.induction(props, support=support)
    t1 = time.perf_counter()
    ex = Explorer(m).check(props).max_states(max_states).run()
    verdict = ind.inductive.value
    if ind.inductive is Verdict.VIOLATED:
        verdict = "not inductive: " + ",".join(i.name for i in ind.items if i.inductive is Verdict.VIOLATED)
    cuts = "open" if ind.cut_possible else "explored" if prover.explored_for_cuts else "Z3"
    return Row(name, str(m.scope), len(m.actions), verdict, t1 - t0, cuts, ex.verdict.value, ex.states, ex.seconds)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="add larger scopes (exploration stops at --max-states)")
    ap.add_argument("--only", choices=sorted(DEFAULT_SCOPES), help="one machine only")
    ap.add_argument("--max-states", type=int, default=1_500_000, help="exploration guard (default 1,500,000)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per Z3 check")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON lines")
    args = ap.parse_args(argv)

    print(
        f"# prove vs explore — Python {platform.python_version()}, Z3 {z3_version()}, "
        f"{platform.machine()}, max-states {args.max_states:,}",
        flush=True,
    )
    head = (
        f"{'machine':<11} {'scope':<66} {'acts':>4} {'induction':>10} {'prove s':>8} {'cuts':>8} "
        f"{'explore':>10} {'states':>10} {'explore s':>9}  faster"
    )
    if not args.json:
        print(head)
        print("-" * len(head))
    rows = []
    for name in DEFAULT_SCOPES:
        if args.only and name != args.only:
            continue
        for given in DEFAULT_SCOPES[name] + (BIG_SCOPES[name] if args.big else []):
            r = measure(name, given, args.max_states, args.timeout)
            rows.append(r)
            if args.json:
                print(json.dumps({**asdict(r), "winner": r.winner}), flush=True)
            else:
                states = f"{r.states:,}" if r.explore == "OK" else f">{r.states:,}"
                print(
                    f"{r.machine:<11} {r.scope:<66} {r.actions:>4} {r.induction:>10} {r.induction_s:>8.2f} {r.cuts:>8} "
                    f"{r.explore:>10} {states:>10} {r.explore_s:>9.2f}  {r.winner}",
                    flush=True,
                )
    return 0 if all(r.induction == "OK" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
