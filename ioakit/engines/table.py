"""The lemma table: for each invariant of a lemma, what exploration, BMC and induction say.

For Fekete–Lynch–Shvartsman **Lemma 4.1** the paper's whole proof is "all straightforward by
induction". The table makes that precise at a scope: which items hold in every reachable state
(exhaustive exploration, with the state count), how deep BMC got without a violation, which items
are inductive *alone*, and, for the others, a smallest set of other items relative to which each
is inductive (its *support*), together with the action families that break it alone. Whether the
conjunction of all items is inductive is stated above the table: that is what turns the relative
results into proofs (each item's support is itself proved by the conjunction).

All proofs are about the machine bounded by the scope (see ``ioakit.engines.prove``).

Ctrl-C (or SIGTERM, turned into it by ``ioakit.cli.main``) stops the table at once, with no
further Z3 query: the rows completed are kept, the rest are marked interrupted (only their
exploration column, the explorer's own partial verdict, is shown), and the verdict is
INCOMPLETE — VIOLATED if exploration or BMC had found a violation before the interrupt.

Regenerate (``table_for`` is the call for the CLI's ``ioakit prove … --table``)::

    python -m ioakit.engines.table VS-machine                         # default scope, markdown
    python -m ioakit.engines.table VS-machine --scope view_ids=3 --json
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ioakit.backends import symbolic
from ioakit.engines.explore import Explorer, Property, Verdict
from ioakit.errors import UserError, is_interrupt
from ioakit.lang.automaton import Machine, parse_scope_text
from ioakit.results import render_json

from .prove import DEFAULT_TIMEOUT_S, BMCItem, InductionResult, ItemInduction, Outcome, Prover, SupportResult, settled

DEFAULT_BMC_DEPTH = 10
DEFAULT_MAX_STATES = 2_000_000


@dataclass(frozen=True)
class Row:
    """One invariant's line of the table."""

    name: str
    reference: str
    description: str
    explored: Verdict
    """Verdict of exhaustive exploration: OK = holds in every reachable state of the scope."""
    bmc: BMCItem
    alone: ItemInduction
    support: SupportResult

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "reference": self.reference,
            "description": self.description,
            "reachable": self.explored.value,
            "bmc": self.bmc.to_json(),
            "inductive_alone": self.alone.inductive.value,
            "broken_alone_by": list(self.alone.breaking_families),
            "support": self.support.to_json(),
        }


@dataclass(frozen=True)
class InterruptedRow:
    """An invariant whose row Ctrl-C stopped before it was completed: what exploration said of
    it (the explorer's own verdict, partial if the exploration was interrupted) and nothing more."""

    name: str
    reference: str
    description: str
    explored: Verdict

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "reference": self.reference,
            "description": self.description,
            "reachable": self.explored.value,
            "interrupted": True,
        }


@dataclass(frozen=True)
class Table:
    """The lemma table of a machine at a scope (see the module docstring)."""

    machine: str
    scope: dict[str, int]
    timeout_s: float
    states: int
    explore_complete: bool
    explore_seconds: float
    bmc_depth: int
    bmc_seconds: float
    conjunction: Verdict
    """Whether the conjunction of all the items is inductive at the scope."""
    conjunction_seconds: float
    rows: tuple[Row, ...]
    seconds: float
    z3_version: str = field(default_factory=symbolic.z3_version)
    cut_reason: str | None = None
    """Why the exploration or a proof is undecided because of steps cut off by the scope's
    bounds (``ioakit.engines.bounds``), or None."""
    bound_hits_allowed: bool = False
    support: tuple[str, ...] = ()
    """Support invariants proved together with the items (in the conjunction, not in the rows)."""
    support_found: tuple[Verdict, ...] = ()
    """Exploration and BMC verdicts of the support invariants (a violated support is reported)."""
    interrupted: str | None = None
    """The phase Ctrl-C stopped (exploring, BMC, the conjunction's induction, a row), or None."""
    interrupted_rows: tuple[InterruptedRow, ...] = ()
    """The items whose rows were not completed because of the interrupt."""
    bmc_run: bool = True
    """BMC ran to the end (false when interrupted before or during it)."""
    conjunction_run: bool = True
    """The conjunction's induction ran to the end (false when interrupted before or during it:
    ``conjunction`` is then INCOMPLETE)."""
    violations_found: tuple[str, ...] = ()
    """Items or supports that exploration or BMC found violated before an interrupt, outside the
    completed rows (a violation found is a fact, interrupted or not)."""

    @property
    def verdict(self) -> Verdict:
        """VIOLATED if exploration or BMC found a violation of an item or a support; OK if every
        item and support holds (exploration and BMC) and the conjunction (with the supports) is
        inductive; INCOMPLETE if interrupted before that was settled; otherwise UNKNOWN
        (including a conjunction that is not inductive: a CTI is not a violation)."""
        found = [*(r.explored for r in self.rows), *(r.bmc.verdict for r in self.rows), *self.support_found]
        found += [r.explored for r in self.interrupted_rows]
        if Verdict.VIOLATED in found or self.violations_found:
            return Verdict.VIOLATED
        if self.interrupted is not None:
            return Verdict.INCOMPLETE
        if self.conjunction is Verdict.OK and all(v is Verdict.OK for v in found):
            return Verdict.OK
        return Verdict.UNKNOWN

    def show(self) -> str:
        """The Markdown table (``to_markdown``)."""
        return self.to_markdown()

    def row(self, name: str) -> Row:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_markdown(self) -> str:
        """The table as GitHub markdown, with a header stating machine, scope, Z3 version and how
        long each part took."""
        short = {r.name: _short(r) for r in (*self.rows, *self.interrupted_rows)}
        scope = ", ".join(f"{k}={v}" for k, v in self.scope.items())
        conj = {
            Verdict.OK: f"**inductive** (proved in {self.conjunction_seconds:.2f} s)",
            Verdict.VIOLATED: "**not inductive** (see the CTIs in the JSON output)",
        }.get(
            self.conjunction,
            "**unknown** (steps cut off by the scope's bounds are not ruled out)"
            if self.cut_reason
            else "**unknown** (Z3 timed out or answered unknown)",
        )
        if not self.conjunction_run:  # Ctrl-C before or during its proof
            conj = "**not decided** (interrupted before its proof ended)"
        explored = f"{self.states:,} reachable states" + ("" if self.explore_complete else " (INCOMPLETE)")
        # "all 1 items" read oddly: one item is named; several are "the conjunction of all N items"
        n_items = len(self.rows) + len(self.interrupted_rows)
        first = (self.rows or self.interrupted_rows)[0].name
        subject = f"Item {short[first]}" if n_items == 1 else f"The conjunction of all {n_items} items"
        if self.support:
            subject += f" with the support invariant(s) {', '.join(self.support)} (proved with them)"
        stopped = self.interrupted is not None
        lines = [
            f"Machine **{self.machine}**, scope `{scope}`; Z3 {self.z3_version}; "
            f"Z3 timeout {self.timeout_s:g} s per check.",
            "",
            f"- Exhaustive exploration: {explored}, {self.explore_seconds:.2f} s.",
            f"- BMC to depth {self.bmc_depth} from the start state: {self.bmc_seconds:.2f} s."
            if self.bmc_run
            else f"- BMC to depth {self.bmc_depth} from the start state: not run to the end (interrupted).",
            f"- {subject} is {conj}.",
            *([f"- **Interrupted (Ctrl-C)** during {self.interrupted}: {self._interruption()}."] if stopped else []),
            *([f"- **Steps cut off by the scope's bounds**: {self.cut_reason}."] if self.cut_reason else []),
            "",
            f"| item | statement | reachable | BMC ≤ {self.bmc_depth} | inductive alone | broken alone by "
            "| inductive relative to |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in self.rows:
            reach = {Verdict.OK: "holds", Verdict.VIOLATED: "VIOLATED"}.get(r.explored, r.explored.value.lower())
            if r.bmc.trace is not None:
                bmc = f"violated at depth {len(r.bmc.trace)}"
            elif r.bmc.verdict is Verdict.OK:
                bmc = "no violation"
            else:
                bmc = f"unknown after depth {r.bmc.depth}"
            alone = {Verdict.OK: "yes", Verdict.VIOLATED: "no"}.get(r.alone.inductive, "unknown")
            breakers = ", ".join(f"`{f}`" for f in r.alone.breaking_families) or "—"
            lines.append(
                f"| {short[r.name]} | {_cell(r.description)} | {reach} | {bmc} | {alone} | {breakers} | "
                f"{_support_cell(r.support, short)} |"
            )
        for r in self.interrupted_rows:
            reach = {Verdict.OK: "holds", Verdict.VIOLATED: "VIOLATED"}.get(r.explored, r.explored.value.lower())
            lines.append(
                f"| {short[r.name]} | {_cell(r.description)} | {reach} | interrupted | interrupted | — | interrupted |"
            )
        return "\n".join(lines)

    def _interruption(self) -> str:
        """What an interrupted table established, in words."""
        n = len(self.rows) + len(self.interrupted_rows)
        text = (
            f"{len(self.rows)} of {n} rows completed; the rows marked interrupted claim nothing beyond their "
            "reachable column"
        )
        if self.violations_found:
            text += f"; violations found before the interrupt: {', '.join(self.violations_found)}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "scope": self.scope,
            "mode": "lemma-table",
            "z3_version": self.z3_version,
            "timeout_s_per_check": self.timeout_s,
            "seconds": round(self.seconds, 4),
            "reachable_states": self.states,
            "explore_complete": self.explore_complete,
            "cut_reason": self.cut_reason,
            "bound_hits_allowed": self.bound_hits_allowed,
            "explore_seconds": round(self.explore_seconds, 4),
            "bmc_depth": self.bmc_depth,
            "bmc_seconds": round(self.bmc_seconds, 4),
            "conjunction_inductive": self.conjunction.value,
            "conjunction_seconds": round(self.conjunction_seconds, 4),
            "support": list(self.support),
            "support_found": [v.value for v in self.support_found],
            "rows": [r.to_json() for r in self.rows],
            "verdict": self.verdict.value,
            # every phase ran to its end over the whole reachable state space (no cut step)
            "complete": self.interrupted is None and self.explore_complete and self.cut_reason is None,
            "interrupted": self.interrupted is not None,
            "interrupted_phase": self.interrupted,
            "bmc_run": self.bmc_run,
            "conjunction_run": self.conjunction_run,
            "interrupted_rows": [r.to_json() for r in self.interrupted_rows],
            "violations_found": list(self.violations_found),
        }


def _short(r: Row) -> str:
    """``Lemma 4.1(3)`` → ``4.1(3)``; otherwise the invariant's name."""
    m = re.fullmatch(r"Lemma ([\d.]+\(\d+\))", r.reference)
    return m.group(1) if m else r.name


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _support_cell(s: SupportResult, short: dict[str, str]) -> str:
    if s.verdict is Verdict.UNKNOWN:
        return f"unknown ({s.reason})"
    if s.support is None:
        return "none found" + (" (false initially)" if s.start_counterexample is not None else "")
    if not s.support:
        return "— (alone)"
    word = "minimum" if s.minimum else "minimal" if s.minimal else "sufficient"
    alts = s.alternatives if s.minimum and s.alternatives else (s.support,)
    sets = " or ".join("{" + ", ".join(short.get(n, n) for n in a) + "}" for a in alts)
    return f"{sets} ({word})"


def _cut_reason(whole: InductionResult) -> str | None:
    """The reason given to the items left undecided by a possible cut step, if any."""
    if not whole.cut_possible:
        return None
    return next((it.reason for it in whole.items if it.outcome is Outcome.UNKNOWN and it.reason), None)


def lemma_table(
    machine: Machine,
    props: Sequence[Property],
    bmc_depth: int = DEFAULT_BMC_DEPTH,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_states: int | None = DEFAULT_MAX_STATES,
    *,
    allow_bound_hits: bool = False,
    support: Sequence[Property] = (),
    explore_limit: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Table:
    """Explore, BMC, and prove each invariant alone and relative to a minimum support.

    One ``Prover`` is shared by all the queries, so the symbolic step is built once. Steps cut off
    by the scope's bounds make the exploration INCOMPLETE and the proofs UNKNOWN unless
    ``allow_bound_hits`` (``ioakit.engines.bounds``). ``support``: support invariants, explored,
    BMC-checked and proved together with the items (``Prover.induction``); the rows are the items,
    and each item's minimum support may use them. ``explore_limit``: the prover's
    (``Prover.explore_limit``; default ``DEFAULT_EXPLORE_LIMIT``). ``progress(phase)`` is told
    each phase (exploring, BMC, induction, each row) for a status line.
    """
    say = progress or (lambda _phase: None)
    t0 = time.perf_counter()
    props = list(props)
    names = {p.name for p in props}
    support = [p for p in support if p.name not in names]
    say("exploring")
    ex = Explorer(machine).check([*props, *support]).max_states(max_states).allow_bound_hits(allow_bound_hits).run()
    limit = {} if explore_limit is None else {"explore_limit": explore_limit}
    t1 = t2 = t3 = time.perf_counter()
    b: Any = None
    whole: Any = None
    rows: list[Row] = []
    phase: str | None = "exploring" if ex.interrupted else None  # the explorer stopped with a partial report
    if phase is None:
        try:
            phase = f"BMC to depth {bmc_depth}"
            prover = Prover(machine, timeout_s, allow_bound_hits=allow_bound_hits, **limit)
            t1 = time.perf_counter()
            say(phase)
            b = prover.bmc(props, bmc_depth, support=support)
            t2 = time.perf_counter()
            if getattr(b, "interrupted", False):  # a partial BMC result: no further Z3 query
                raise KeyboardInterrupt
            phase = "induction on the conjunction"
            say(phase)
            whole = prover.induction(props, support=support)
            t3 = time.perf_counter()
            if getattr(whole, "interrupted", False):
                raise KeyboardInterrupt
            for i, p in enumerate(props):
                phase = f"row {i + 1}/{len(props)} ({p.name})"
                say(f"row {i + 1}/{len(props)}: {p.name} alone, and its minimum support")
                rows.append(
                    Row(
                        p.name,
                        p.reference,
                        p.description,
                        ex.result(p.name).verdict,
                        b.item(p.name),
                        settled(prover.inductive_alone(p)).items[0],  # a partial result stops here
                        prover.minimal_support([*props, *support], p),
                    )
                )
            phase = None
        except KeyboardInterrupt:
            pass  # ``phase`` names what was stopped
        except Exception as e:  # Ctrl-C surfacing through Z3's ctypes calls
            if not is_interrupt(e):
                raise
    done = {r.name for r in rows}
    bmc_run = b is not None and not getattr(b, "interrupted", False)
    violations: list[str] = []
    if phase is not None and b is not None:  # a (partial) BMC result: its violations are real
        for p in [*props, *support]:
            if p.name not in done and _bmc_verdict(b, p.name) is Verdict.VIOLATED:
                violations.append(p.name)
    whole_done = whole is not None and not getattr(whole, "interrupted", False)
    return Table(
        machine.name,
        machine.scope.as_dict(),
        timeout_s,
        ex.states,
        ex.complete,
        ex.seconds,
        bmc_depth,
        t2 - t1,
        whole.inductive if whole_done else Verdict.INCOMPLETE,
        t3 - t2,
        tuple(rows),
        time.perf_counter() - t0,
        cut_reason=ex.reason if ex.bound_hits else _cut_reason(whole) if whole_done else None,
        bound_hits_allowed=allow_bound_hits,
        support=tuple(p.name for p in support),
        support_found=tuple(
            v for p in support for v in (ex.result(p.name).verdict, *((b.item(p.name).verdict,) if bmc_run else ()))
        ),
        interrupted=phase,
        interrupted_rows=tuple(
            InterruptedRow(p.name, p.reference, p.description, ex.result(p.name).verdict)
            for p in props
            if p.name not in done
        ),
        bmc_run=bmc_run,
        conjunction_run=whole_done,
        violations_found=tuple(violations),
    )


def _bmc_verdict(b: Any, name: str) -> Verdict | None:
    """The verdict of a (possibly partial) BMC result on ``name``, None if it has none."""
    try:
        return b.item(name).verdict
    except KeyError:
        return None


def table_for(
    machine_name: str,
    scope: dict[str, int] | None = None,
    bmc_depth: int = DEFAULT_BMC_DEPTH,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_states: int | None = DEFAULT_MAX_STATES,
) -> Table:
    """The table of a registered machine's shipped lemma at a scope (what the CLI calls)."""
    from ioakit.registry import default_properties, get_spec

    m = get_spec(machine_name).build(scope or {})
    return lemma_table(m, default_properties(m), bmc_depth, timeout_s, max_states)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ioakit.engines.table MACHINE [--scope k=v,…]``: print the table.

    Exit status: 0 when every item holds (exploration, BMC) and their conjunction is inductive;
    1 when an item is violated in a reachable state; 3 otherwise (not inductive, unknown,
    incomplete); 2 on bad input.
    """
    ap = argparse.ArgumentParser(prog="python -m ioakit.engines.table", description=__doc__.splitlines()[0])
    ap.add_argument("machine", nargs="?", default="VS-machine")
    ap.add_argument("--scope", default="", help="e.g. processors=3,view_ids=3")
    ap.add_argument("--bmc-depth", type=int, default=DEFAULT_BMC_DEPTH)
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per Z3 check")
    ap.add_argument("--max-states", type=int, default=DEFAULT_MAX_STATES)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        t = table_for(args.machine, parse_scope_text(args.scope), args.bmc_depth, args.timeout, args.max_states)
    except (KeyError, UserError) as e:
        print(f"error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    print(render_json(t) if args.json else t.to_markdown())
    return t.verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
