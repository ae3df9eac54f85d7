"""Checking a refinement mapping three ways: exhaustively, along a recorded trace, with Z3.

* ``check_exhaustive`` — every step from every reachable state of the implementation at its
  scope (breadth first, so a failure comes with a shortest execution ending in the failing step);
  f of each start state must be a start state of the specification.
* ``check_trace`` — the steps of one recorded run (``traces/FORMAT.md``), streaming: with state
  snapshots, ``f`` is applied to the recorded states, so the program that wrote the trace need not
  be an ioakit automaton (only its states must be the implementation's variables); without them,
  the implementation is replayed from its start state (every state consistent with the events so
  far is kept: an effect's choices are not in the trace).
* ``check_symbolic`` — Z3, at the scope: from any state satisfying the given invariants and where
  ``f`` is defined, every enabled step of every instance keeps ``f`` defined and its fragment takes
  ``f(before)`` to ``f(after)``; a failed obligation gives a counterexample step (replayed on the
  compiled machines, never trusted blindly), a timeout is UNKNOWN.

Each returns a ``RefinementReport`` (``ioakit.results.Report``). OK is claimed only for what was
covered: an exploration cut by a limit or by the scope's bounds, an interrupted run, a step of
the specification leaving its own scope or an undecided Z3 query is INCOMPLETE / UNKNOWN.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ioakit.engines.bounds import BoundHit, cut_reason, diagnose
from ioakit.errors import InternalError, UserError
from ioakit.lang.automaton import Machine
from ioakit.refinement.mapping import Mapping, StepFailure
from ioakit.results import Verdict


class TraceMismatch(UserError):
    """A recorded trace that is not a run of the implementation it names (exit 2)."""


@dataclass(frozen=True)
class RefinementReport:
    """The result of checking one mapping one way (``method``)."""

    mapping: str
    impl: str
    spec: str
    method: str
    verdict: Verdict
    scope: dict[str, int]
    spec_scope: dict[str, int]
    states: int = 0
    steps: int = 0
    seconds: float = 0.0
    reason: str | None = None
    failure: StepFailure | None = None
    execution: tuple[str, ...] = ()
    """The implementation's actions up to and including the failing step (exhaustive: a
    shortest such execution; trace: the last events before it)."""
    line: int | None = None
    """The trace file line of the failing event (``check_trace``)."""
    bound_hits: int = 0
    first_bound_hit: BoundHit | None = None
    undecided: tuple[str, ...] = ()
    """Z3: the instances whose obligation was not decided (timeout / unknown)."""
    notes: tuple[str, ...] = field(default=())
    interrupted: bool = False
    """Ctrl-C ended the check (the report covers what was checked before it)."""

    def show(self) -> str:
        head = f"{self.verdict.value} — mapping {self.mapping} from {self.impl} to {self.spec} ({self.method})"
        lines = [head, f"  scope {_scope(self.scope)}; {self.spec} at {_scope(self.spec_scope)}"]
        what = {"exhaustive": "reachable states", "trace": "states", "z3": "action instances"}.get(
            self.method, "states"
        )
        lines.append(f"  {self.states:,} {what}, {self.steps:,} steps checked in {self.seconds:.2f} s")
        if self.reason:
            lines.append(f"  {self.reason}")
        if self.failure is not None:
            where = f" (trace line {self.line})" if self.line is not None else ""
            lines.append(f"  f fails on a step{where}:")
            lines.append(self.failure.show("    "))
            if self.execution:
                label = "execution" if self.method != "trace" else "last events"
                lines.append(f"    {label} ({len(self.execution)} steps): " + " · ".join(self.execution))
        for u in self.undecided[:10]:
            lines.append(f"  undecided: {u}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "refinement-mapping",
            "mapping": self.mapping,
            "impl": self.impl,
            "spec": self.spec,
            "method": self.method,
            "verdict": self.verdict.value,
            "scope": self.scope,
            "spec_scope": self.spec_scope,
            "states": self.states,
            "steps": self.steps,
            "seconds": round(self.seconds, 3),
            "reason": self.reason,
            "failure": None if self.failure is None else self.failure.to_json(),
            "execution": list(self.execution),
            "line": self.line,
            "bound_hits": self.bound_hits,
            "first_bound_hit": None if self.first_bound_hit is None else self.first_bound_hit.to_json(),
            "undecided": list(self.undecided),
            "notes": list(self.notes),
            "interrupted": self.interrupted,
        }


def _scope(d: dict[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in d.items()) or "(defaults)"


def _report(mp: Mapping, method: str, verdict: Verdict, **kw: Any) -> RefinementReport:
    return RefinementReport(
        mapping=mp.name,
        impl=mp.impl.name,
        spec=mp.spec.name,
        method=method,
        verdict=verdict,
        scope=mp.impl.scope.as_dict(),
        spec_scope=mp.spec.scope.as_dict(),
        **kw,
    )


# -- exhaustive ----------------------------------------------------------------------------------


def check_exhaustive(mp: Mapping, *, max_states: int | None = None, allow_bound_hits: bool = False) -> RefinementReport:
    """Check every step from every reachable state of ``mp.impl`` (see the module docstring)."""
    m = mp.impl
    succ = m.compiled().successors
    t0 = time.perf_counter()
    seen: dict[tuple[Any, ...], tuple[tuple[Any, ...], int] | None] = {}
    steps = bound_hits = 0
    first_hit: BoundHit | None = None
    spec_cut: StepFailure | None = None
    reason: str | None = None
    complete, interrupted = True, False

    def path(pre: tuple[Any, ...], k: int) -> tuple[str, ...]:
        out = [m.label_of(k, pre)]
        s = pre
        while (link := seen[s]) is not None:
            s, kk = link
            out.append(m.label_of(kk, s))
        return tuple(reversed(out))

    def fail(f: StepFailure, execution: tuple[str, ...]) -> RefinementReport:
        return _report(
            mp,
            "exhaustive",
            Verdict.VIOLATED,
            states=len(seen),
            steps=steps,
            seconds=time.perf_counter() - t0,
            failure=f,
            execution=execution,
            bound_hits=bound_hits,
            first_bound_hit=first_hit,
            reason="stopped at the first failing step",
        )

    started = False  # the start states checked: the search of the steps began
    try:
        for s0 in m.start_states:
            seen.setdefault(s0, None)
            f = mp.check_start(s0)  # the first f computed: its code is generated now (seconds, for FLS's f)
            if f is not None:
                return fail(f, ())
        frontier = list(seen)
        fcache = {s: mp.f_where_defined(s)[1] for s in frontier}  # defined: check_start
        started = True
        while frontier:
            new: list[tuple[Any, ...]] = []
            ncache: dict[tuple[Any, ...], tuple[Any, ...]] = {}
            for s in frontier:
                fs = fcache[s]
                for k, ns in succ(s):
                    if ns is None:
                        bound_hits += 1
                        if first_hit is None:
                            first_hit = diagnose(m, k, s)
                        continue
                    steps += 1
                    fns = ncache.get(ns)
                    if fns is None:
                        fns = fcache.get(ns)
                    if fns is None:
                        fns = mp.f_after(s, fs, ns)[1]
                        if fns is not None:
                            ncache[ns] = fns
                    f = mp.check_step(s, k, ns, fx=fs, fx2=fns)
                    if f is not None:
                        if f.kind == "bounds":
                            spec_cut = spec_cut or f
                        else:
                            return fail(f, path(s, k))
                    if ns not in seen:
                        seen[ns] = (s, k)
                        new.append(ns)
                        if max_states is not None and len(seen) >= max_states:
                            raise _Limit(f"max-states {max_states} reached")
            frontier = new
            fcache = ncache
    except _Limit as e:
        complete, reason = False, str(e)
    except KeyboardInterrupt:
        complete, reason, interrupted = False, "interrupted (Ctrl-C)", True
        if not started:
            reason += " while the start states were checked (f's code is generated then): no step checked"
        else:
            reason += f": no failing step among the {steps:,} steps checked before it; nothing is claimed of the rest"
    verdict = Verdict.OK if complete else Verdict.INCOMPLETE
    if bound_hits:
        cut = cut_reason(bound_hits, first_hit, allow_bound_hits)
        reason = cut if reason is None else f"{reason}; {cut}"
        if not allow_bound_hits:
            verdict = Verdict.INCOMPLETE
    if spec_cut is not None:
        verdict = Verdict.INCOMPLETE
        note = f"a step of {mp.spec.name} left its scope ({spec_cut.detail}); give it a larger scope"
        reason = note if reason is None else f"{reason}; {note}"
    if complete and reason is None:
        reason = "every reachable state and step checked"
    return _report(
        mp,
        "exhaustive",
        verdict,
        states=len(seen),
        steps=steps,
        seconds=time.perf_counter() - t0,
        reason=reason,
        bound_hits=bound_hits,
        first_bound_hit=first_hit,
        interrupted=interrupted,
    )


class _Limit(Exception):
    pass


# -- along a recorded trace ----------------------------------------------------------------------

MAX_REPLAY_STATES = 10_000
"""Replaying without snapshots keeps every state consistent with the events so far; past this
many the check stops INCOMPLETE (the trace does not say enough to follow the run)."""


class _Matcher:
    """Which action instances of the implementation an event (name, arguments) can be.

    What does not depend on the pre-state — the instances of the event's name whose fixed
    arguments the event's agree with — is kept per (name, arguments), so that an event costs a
    dictionary lookup; only instances whose arguments come from the state are compared per event.
    """

    MEMO = 4096
    """(name, arguments) pairs kept; past this many the memo is emptied (memory stays flat)."""

    def __init__(self, m: Machine) -> None:
        self.m = m
        self.by_name: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for k, a in enumerate(m.actions):
            fixed = {n: t.to_json(v) for (n, t), v in zip(a.family.params, a.args) if n not in a.family.bound}
            self.by_name.setdefault(a.name, []).append((k, fixed))
        self.memo: dict[tuple[str, tuple[tuple[str, Any], ...]], tuple[list[int], bool]] = {}

    def _static(self, name: str, args: dict[str, Any]) -> tuple[list[int], bool]:
        """The instances of ``name`` that ``args`` may be, before looking at the state, and
        whether any of them takes arguments from the state. The paper's hyphenated names
        (``to-order``) are accepted for the machine's (``to_order``)."""
        out = []
        for k, fixed in self.by_name.get(name, self.by_name.get(name.replace("-", "_"), ())):
            if any(args.get(n, _MISSING) != v for n, v in fixed.items()):
                continue
            if not self.m.actions[k].bound and len(args) != len(self.m.actions[k].family.params):
                continue
            out.append(k)
        return out, any(self.m.actions[k].bound for k in out)

    def candidates(self, name: str, args: dict[str, Any], pre: tuple[Any, ...]) -> list[int]:
        # the memo's key compares as the arguments do (==), which is all _static looks at
        try:
            key = (name, tuple(args.items()))
            got = self.memo.get(key)
        except TypeError:  # an argument that is a list or an object: not kept
            key, got = None, None
        if got is None:
            got = self._static(name, args)
            if key is not None:
                if len(self.memo) >= self.MEMO:
                    self.memo.clear()
                self.memo[key] = got
        ks, bound = got
        if not bound:
            return ks
        m = self.m
        return [k for k in ks if not m.actions[k].bound or m.args_json_of(k, pre) == args]


_MISSING = object()


class _Snapshots:
    """State snapshots (JSON objects) decoded into states of ``m``: the values and the errors of
    ``Machine.state_from_json``, without decoding what was decoded before. A snapshot need not
    record the environment's counter of inputs issued (ioakit's own bookkeeping, not a variable
    of the paper's automaton): it is filled in as 0 when missing (the checks never read it); a
    variable may be spelt as the paper does (``current-viewid`` for ``current_viewid``).

    Consecutive snapshots of a run differ in a few variables, and a bounded protocol's variables
    take few values: each variable's JSON value is keyed by its ``repr`` (which, unlike ``==``,
    tells ``true`` from ``1`` and ``1`` from ``1.0``, so a value is reused only for the very same
    JSON; and a string, so a snapshot mutated after it was read cannot alias an older one): the
    last key and value of each variable are kept, and a small table of the short ones."""

    SHORT = 256
    """A variable's values whose ``repr`` is at most this long are kept in its table."""
    ROWS = 256
    """Entries per variable's table; past this many it is emptied (memory stays flat)."""

    def __init__(self, m: Machine) -> None:
        from ioakit.lang.automaton import INPUTS_ISSUED

        self.m = m
        self.variables = m.variables
        self.env = INPUTS_ISSUED if INPUTS_ISSUED in m.var_names else None
        self.last: list[tuple[str | None, Any]] = [(None, None)] * len(m.variables)
        self.tables: list[dict[str, Any]] = [{} for _ in m.variables]

    def __call__(self, j: Any) -> tuple[Any, ...]:
        if self.env is not None and isinstance(j, dict) and self.env not in j:
            j = {**j, self.env: 0}
        last, tables, out = self.last, self.tables, []
        for i, (n, t) in enumerate(self.variables):
            try:
                v = j[n]
            except KeyError:
                v = j.get(n.replace("_", "-"), _MISSING)  # the paper's spelling (current-viewid)
                if v is _MISSING:
                    raise self._missing(j, n) from None
            key = repr(v)
            seen = last[i]
            if key == seen[0]:
                out.append(seen[1])
                continue
            table = tables[i]
            x = table.get(key, _MISSING)
            if x is _MISSING:
                try:
                    x = t.from_json(v)
                except Exception:
                    if any(
                        name not in j and name.replace("_", "-") not in j for name, _ in self.variables
                    ):  # state_from_json looks
                        raise self._missing(j) from None  # for missing variables first
                    raise
                if len(key) <= self.SHORT:
                    if len(table) >= self.ROWS:
                        table.clear()
                    table[key] = x
            last[i] = (key, x)
            out.append(x)
        return tuple(out)

    def _missing(self, j: Any, name: str | None = None) -> Exception:
        """``state_from_json``'s error for a snapshot without some variables."""
        from ioakit.lang.types import SchemaError

        missing = [n for n in self.m.var_names if n not in j and n.replace("_", "-") not in j] or [name]
        return SchemaError(f"state snapshot lacks variables {missing}")


def check_trace(mp: Mapping, header: Any, events: Iterable[Any], path: str = "<trace>") -> RefinementReport:
    """Check ``mp`` along one recorded run (``ioakit.traces.format.read_trace``'s header and
    lazily read events); streaming: memory does not grow with the trace.

    The states consistent with the events so far are kept with their images under ``f`` (one
    state with snapshots), so ``f`` is computed once per state; the labels of the last events
    are written only for a failure."""
    from ioakit.backends.codegen import OUT_OF_BOUNDS

    m = mp.impl
    steps_fn = m.compiled().steps
    match = _Matcher(m)
    decode = _Snapshots(m)
    t0 = time.perf_counter()
    recent: deque[tuple[int, tuple[Any, ...]]] = deque(maxlen=12)
    notes: list[str] = []
    if header.start_state is not None:
        try:
            start = [decode(header.start_state)]
        except UserError as e:
            raise TraceMismatch(f"{path}:1: the start_state is not a state of {m.name}: {e}") from e
    else:
        start = list(dict.fromkeys(m.start_states))
        notes.append(f"the header has no start_state: the run is taken to start in {m.name}'s start state")
    for s0 in start:
        f = mp.check_start(s0)
        if f is not None:
            return _report(mp, "trace", Verdict.VIOLATED, failure=f, line=1, seconds=time.perf_counter() - t0)
    current: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []
    for s0 in start:
        _, y0 = mp.f_where_defined(s0)
        assert y0 is not None  # check_start said f is defined there
        current.append((s0, y0))
    n = states = 0
    snapshots = replayed = 0

    def failed(f: StepFailure, line: int) -> RefinementReport:
        execution = [m.label_of(k, pre) for k, pre in recent]
        execution.append(f.impl_action)
        verdict = Verdict.INCOMPLETE if f.kind == "bounds" else Verdict.VIOLATED
        return _report(
            mp,
            "trace",
            verdict,
            states=states,
            steps=n,
            seconds=time.perf_counter() - t0,
            failure=f,
            line=line,
            execution=tuple(execution[-12:]),
            notes=tuple(notes),
        )

    try:
        for n, ev in enumerate(events, start=1):
            line = n + 1
            if ev.kind == "time":
                continue
            args = ev.args if type(ev.args) is dict else dict(ev.args)
            checked: list[tuple[tuple[Any, ...], tuple[Any, ...], int, tuple[Any, ...]]] = []
            if ev.state is not None:
                snapshots += 1
                try:
                    post = decode(ev.state)
                except UserError as e:
                    raise TraceMismatch(f"{path}:{line}: the state is not a state of {m.name}: {e}") from e
                for pre, fpre in current:
                    ks = match.candidates(ev.action, args, pre)
                    if not ks:
                        raise TraceMismatch(
                            f"{path}:{line}: {m.name} has no action {ev.action}{json.dumps(ev.args, sort_keys=True)}"
                        )
                    if len(ks) > 1:
                        exact = [k for k in ks if steps_fn[k](pre) == post]
                        ks = exact or ks
                    checked.append((pre, fpre, ks[0], post))
                posts = [post]
            else:
                replayed += 1
                if ev.action not in match.by_name and ev.action.replace("-", "_") not in match.by_name:
                    raise TraceMismatch(f"{path}:{line}: {m.name} has no action {ev.action}")
                nxt: dict[tuple[Any, ...], None] = {}
                for pre, fpre in current:
                    for k in match.candidates(ev.action, args, pre):
                        post = steps_fn[k](pre)
                        if post is None:
                            continue
                        if post is OUT_OF_BOUNDS:
                            return _report(
                                mp,
                                "trace",
                                Verdict.INCOMPLETE,
                                states=states,
                                steps=n - 1,
                                seconds=time.perf_counter() - t0,
                                line=line,
                                reason=f"line {line}: {ev.action} leaves {m.name}'s scope {m.scope}; replay stopped",
                            )
                        checked.append((pre, fpre, k, post))
                        nxt[post] = None
                if not nxt:
                    raise TraceMismatch(
                        f"{path}:{line}: {ev.action}{json.dumps(ev.args, sort_keys=True)} is not a step of "
                        f"{m.name} from the state the events before it lead to (replay without snapshots)"
                    )
                if len(nxt) > MAX_REPLAY_STATES:
                    return _report(
                        mp,
                        "trace",
                        Verdict.INCOMPLETE,
                        steps=n,
                        seconds=time.perf_counter() - t0,
                        line=line,
                        reason=f"more than {MAX_REPLAY_STATES:,} states are consistent with the events (line {line})",
                    )
                posts = list(nxt)
            if len(posts) == 1:  # f of the one state after the event (no need to hash it)
                pre, fpre = checked[0][:2]
                fx2 = mp.f_after(pre, fpre, posts[0])[1]
                for pre, fpre, k, post in checked:
                    f = mp.check_step(pre, k, post, fx=fpre, fx2=fx2)
                    if f is not None:
                        return failed(f, line)
                current = [(posts[0], fx2)]  # type: ignore[list-item]  # defined: checked
            else:
                fpost: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}
                for pre, fpre, k, post in checked:
                    if post in fpost:
                        fx2 = fpost[post]
                    else:
                        fx2 = fpost[post] = mp.f_where_defined(post)[1]
                    f = mp.check_step(pre, k, post, fx=fpre, fx2=fx2)
                    if f is not None:
                        return failed(f, line)
                current = [(post, fpost[post]) for post in posts]  # type: ignore[misc]  # defined: checked
            recent.append((checked[0][2], checked[0][0]))
            states += len(posts)
    except KeyboardInterrupt:
        return _report(
            mp,
            "trace",
            Verdict.INCOMPLETE,
            states=states,
            steps=n,
            seconds=time.perf_counter() - t0,
            reason=f"interrupted (Ctrl-C) after {n:,} events",
            interrupted=True,
        )
    how = []
    if snapshots:
        how.append(f"{snapshots:,} through their snapshots")
    if replayed:
        how.append(f"{replayed:,} replayed on {m.name}")
    return _report(
        mp,
        "trace",
        Verdict.OK,
        states=states,
        steps=n,
        seconds=time.perf_counter() - t0,
        reason=f"every step of the trace checked ({', '.join(how) or 'no events'})",
        notes=tuple(notes),
    )


def check_trace_file(mp: Mapping, path: str | Path) -> RefinementReport:
    """``check_trace`` on a trace file."""
    from ioakit.traces.format import read_trace

    header, events = read_trace(path)
    return check_trace(mp, header, events, str(path))


# -- symbolically, with Z3 -------------------------------------------------------------------------


def check_symbolic(
    mp: Mapping, assume: Sequence[Any] = (), *, timeout_s: float = 60.0, families: Sequence[str] | None = None
) -> RefinementReport:
    """The step obligation of every action instance, in Z3 (see the module docstring).

    ``assume``: state properties (``Property``) assumed of the pre-state (invariants proved or
    checked elsewhere: the obligation is then relative to them, as the paper's proof of Lemma
    6.25 is relative to Lemmas 6.1–6.24). Also checks that f of every start state is a start
    state of the specification (concretely: the start states are few)."""
    import z3

    from ioakit.backends import symbolic
    from ioakit.engines.prove import _check, _ms, interruptible

    m, spec = mp.impl, mp.spec
    t0 = time.perf_counter()
    for s0 in m.start_states:
        f = mp.check_start(s0)
        if f is not None:
            return _report(mp, "z3", Verdict.VIOLATED, failure=f, seconds=time.perf_counter() - t0)
    undecided: list[str] = []
    proved = 0
    spec_by_family: dict[str, list[int]] = {}
    for j, a in enumerate(spec.actions):
        spec_by_family.setdefault(a.name, []).append(j)
    with interruptible():
        for k, inst in enumerate(m.actions):
            if families is not None and inst.name not in families:
                continue
            alts = mp.fragments[k]
            if alts is None:
                undecided.append(f"{inst.label}: no fragment declared (the search is concrete only)")
                continue
            pre = symbolic.fresh_state(m, "pre")
            ev = symbolic.Evaluator(pre.vars)
            st = symbolic.step(m, inst, pre.vars, ev)
            ev2 = symbolic.Evaluator(st.post)
            hyps = [*pre.wf, st.guard, st.in_bounds]
            hyps += [ev(p.term) for p in assume]
            hyps += [ev(t) for _, t in mp.defined_terms]
            raw = [ev(ft) for ft in mp.f_terms]
            hyps += [c for (_, t), v in zip(spec.variables, raw) for c in symbolic.wf(t, v)]
            y = [symbolic.fit(t, v) for (_, t), v in zip(spec.variables, raw)]
            raw2 = [ev2(ft) for ft in mp.f_terms]
            y2 = [symbolic.fit(t, v) for (_, t), v in zip(spec.variables, raw2)]
            goal = [ev2(t) for _, t in mp.defined_terms]
            goal += [c for (_, t), v in zip(spec.variables, raw2) for c in symbolic.wf(t, v)]
            earlier: list[z3.BoolRef] = []
            for alt in alts:
                g = ev(alt.guard)
                applies = z3.And(g, *(z3.Not(e) for e in earlier))
                earlier.append(g)
                if alt.calls is None:
                    goal.append(z3.Not(applies))
                    continue
                cur = y
                ok = []
                for c in alt.calls:
                    argv = [ev(a) for a in c.args]
                    fam = next(f for f in spec.families if f.name == c.family)
                    enabled = []
                    post = cur
                    for j in spec_by_family.get(c.family, []):
                        sj = spec.actions[j]
                        sel = z3.And(
                            *(
                                symbolic.equal(v, symbolic.from_const(t, x))
                                for v, (_, t), x in zip(argv, fam.params, sj.args)
                            )
                        )
                        step = symbolic.step(spec, sj, cur)
                        enabled.append(z3.And(sel, step.guard, step.in_bounds))
                        post = [symbolic.select(sel, a, b) for a, b in zip(step.post, post)]
                    ok.append(z3.Or(*enabled) if enabled else z3.BoolVal(False))
                    cur = post
                ok.append(symbolic.state_equal(spec, cur, y2))
                goal.append(z3.Implies(applies, z3.And(*ok)))
            solver = z3.Solver()
            solver.set("timeout", _ms(timeout_s))
            solver.set("ctrl_c", False)
            solver.add(*hyps, z3.Not(z3.And(*goal)))
            r = _check(solver)
            if r == z3.unsat:
                proved += 1
                continue
            if r != z3.sat:
                undecided.append(f"{inst.label}: Z3 said {r} ({solver.reason_unknown()})")
                continue
            x = symbolic.model_state(m, solver.model(), pre.vars)
            x2 = m.compiled().steps[k](x)
            from ioakit.backends.codegen import OUT_OF_BOUNDS

            if x2 is None or x2 is OUT_OF_BOUNDS:
                raise InternalError(f"Z3's counterexample step {inst.label} is not a step of the compiled machine")
            failure = mp.check_step(x, k, x2)
            if failure is not None and failure.kind == "bounds":
                undecided.append(f"{inst.label}: from a state Z3 found, {failure.detail} (not a verdict)")
                continue
            if failure is None:
                raise InternalError(
                    f"Z3 says the obligation of {inst.label} fails from {m.state_json(x)}, the compiled check says not"
                )
            return _report(
                mp,
                "z3",
                Verdict.VIOLATED,
                states=proved + 1,
                steps=proved + 1,
                seconds=time.perf_counter() - t0,
                failure=failure,
                undecided=tuple(undecided),
                reason="a counterexample to the step obligation: the pre-state satisfies the assumed invariants "
                f"({len(assume)}) and f's definedness, but may be unreachable",
                notes=(f"pre-state: {json.dumps(m.state_json(x), sort_keys=True)}",),
            )
    verdict = Verdict.UNKNOWN if undecided else Verdict.OK
    reason = (
        f"the step obligation holds for every action instance from every state satisfying the "
        f"{len(assume)} assumed invariant(s) and f's definedness"
        if not undecided
        else f"{len(undecided)} obligation(s) undecided"
    )
    return _report(
        mp,
        "z3",
        verdict,
        states=proved,
        steps=proved,
        seconds=time.perf_counter() - t0,
        reason=reason,
        undecided=tuple(undecided),
    )
