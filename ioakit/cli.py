"""The ``ioakit`` command line.

Every command is a thin layer over a library call. Exit status (``ioakit.results``):
0 = holds, 1 = violated, 2 = usage or input error (an ``ioakit.errors.UserError``, caught once,
in ``main``), 3 = unknown / incomplete, 4 = internal error (a bug in ioakit).
Human output by default; ``--json`` prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ioakit import registry
from ioakit.engines.explore import Property, SimulationReport, Verdict
from ioakit.errors import UserError, is_interrupt
from ioakit.lang.automaton import Machine, load_scope_file, parse_scope_text
from ioakit.results import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    EXIT_VIOLATED,
    Report,
    SimpleReport,
    render_json,
)

if TYPE_CHECKING:  # the prover imports z3: loaded only by the commands that use it
    from ioakit.engines.prove import BMCResult, InductionResult
    from ioakit.progress import Progress

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_UNKNOWN", "EXIT_USAGE", "EXIT_VIOLATED", "UsageError", "main"]


class UsageError(UserError):
    """Bad command-line input that no library call rejects itself (exit status 2 in ``main``)."""


# -- shared helpers ----------------------------------------------------------------------------


def _scope_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scope", default="", help="scope parameters, e.g. processors=2,max_inputs=3")
    p.add_argument("--scope-file", help="scope parameters from a .toml or .json file (--scope overrides)")


def _int_at_least(least: int) -> Callable[[str], int]:
    """An argparse type: an integer ≥ ``least`` (else a usage error, exit 2)."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if v < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, got {v}")
        return v

    return parse


def _positive_float(text: str) -> float:
    """An argparse type: a number > 0 (a Z3 timeout)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return v


def _bound_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-bound-hits",
        action="store_true",
        help="accept steps cut off by the scope's bounds (else the result is INCOMPLETE / UNKNOWN, exit 3); "
        "the result is then about the bounded machine only",
    )


def given_scope(scope_text: str = "", scope_file: str | None = None) -> dict[str, int]:
    """The scope parameters given on the command line (``--scope`` overrides ``--scope-file``)."""
    given: dict[str, int] = {}
    if scope_file:
        given.update(load_scope_file(scope_file))
    given.update(parse_scope_text(scope_text))
    return given


def build_machine(name: str, scope_text: str = "", scope_file: str | None = None) -> Machine:
    """Look up a machine and instantiate it at the scope given on the command line."""
    return registry.get_spec(name).build(given_scope(scope_text, scope_file))


def _build_reporting_cost(args: argparse.Namespace) -> Machine:
    """``build_machine`` for ``explore`` / ``check``; with ``--progress`` (and not ``--json``) the
    code the explorer runs is generated at once, and what tracing and generation cost (time, and
    how much the process's peak memory grew) is printed on stderr (not with ``--quiet``)."""
    m = build_machine(args.machine, args.scope, args.scope_file)
    if args.progress and not args.json and not args.quiet:
        compiled = m.compiled()
        compiled.layer  # noqa: B018 -- generated now, so that its cost is known
        print(f"{m.name}: built in {m.build_cost}, {compiled.generation_summary()}", file=sys.stderr)
    return m


def _progress_line(args: argparse.Namespace, label: str, **kw: Any) -> Progress:
    """The status line of a long command on stderr (``ioakit.progress``): shown when stderr is a
    terminal, or forced by ``--progress`` (explore, check); never with ``--quiet``."""
    from ioakit.progress import Progress, wanted

    on = wanted(quiet=getattr(args, "quiet", False), force=getattr(args, "progress", False))
    return Progress(label, enabled=on, **kw)


def _explore_progress(bar: Progress) -> Callable[[int, int, float], None] | None:
    """``Explorer.progress``'s callback drawing on ``bar`` (None when nothing is shown)."""
    if not bar.enabled:
        return None
    return lambda states, depth, seconds: bar.update(states, depth=depth)


def _emit(args: argparse.Namespace, report: Report) -> None:
    """The one output path of every command: ``render_json`` with ``--json``, else ``show()``."""
    print(render_json(report, compact=args.compact) if args.json else report.show())


# -- commands ----------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    """The registered papers with their machines (or the machines named), and the shipped files."""
    if args.machines:
        data = [registry.describe(ref) for ref in args.machines]
    else:
        data = [registry.describe(cls) for cls in registry.machine_classes().values()]
    papers = [
        {"key": p.key, "title": p.title, "citation": p.citation, "machines": [c.name for c in p.machines]}
        for p in registry.papers()
    ]
    files = {name: str(path) for name, path in sorted(registry.invariant_files().items())}
    from ioakit.refinement.refine import mapping_classes

    mappings = [
        {"name": name, "impl": list(cls.impl), "spec": cls.spec, "source": cls.source}
        for name, cls in sorted(mapping_classes().items())
    ]

    def machine_lines(d: dict[str, Any], indent: str) -> list[str]:
        out = [f"{indent}{d['name']}  — {d['source']}"]
        out.extend(f"{indent}    {p['name']:<16} default {p['default']:<3} {p['help']}" for p in d["parameters"])
        return out

    lines: list[str] = []
    if args.machines:
        for d in data:
            lines.extend(machine_lines(d, ""))
    else:
        by_paper: dict[str | None, list[dict[str, Any]]] = {}
        for d in data:
            by_paper.setdefault(d["paper"], []).append(d)
        for p in papers:
            lines.append(f"[{p['key']}] {p['citation']}: {p['title']}")
            for d in by_paper.pop(p["key"], []):
                lines.extend(machine_lines(d, "  "))
        for d in by_paper.pop(None, []):  # machines published alone (``ioakit.machines`` entry points)
            lines.extend(machine_lines(d, ""))
        lines.append("shipped invariant files (usable by name wherever a FILE is asked for):")
        lines.extend(f"    {name:<16} {path}" for name, path in files.items())
        lines.append("shipped refinement mappings (ioakit refine IMPL SPEC [--mapping NAME]):")
        lines.extend(f"    {m['name']:<16} {', '.join(m['impl'])} → {m['spec']}  ({m['source']})" for m in mappings)
    data_json = {"papers": papers, "machines": data, "invariant_files": files, "mappings": mappings}
    _emit(args, SimpleReport(Verdict.OK, data_json, "\n".join(lines)))
    return EXIT_OK


def cmd_explore(args: argparse.Namespace) -> int:
    from ioakit.engines.explore import Explorer

    m = _build_reporting_cost(args)
    props = [] if args.no_invariants else registry.default_properties(m)
    with _progress_line(args, f"explore {m.name}", unit="states", total=args.max_states) as bar:
        r = (
            Explorer(m)
            .check(props)
            .max_states(args.max_states)
            .max_depth(args.max_depth)
            .allow_bound_hits(args.allow_bound_hits)
            .progress(_explore_progress(bar))
            .run()
        )
    _emit(args, r)
    return r.verdict.exit_code


def cmd_simulate(args: argparse.Namespace) -> int:
    from ioakit.engines.explore import Explorer

    m = build_machine(args.machine, args.scope, args.scope_file)
    props = [] if args.no_invariants else registry.default_properties(m)
    with _progress_line(args, f"simulate {m.name}", unit="runs", total=args.runs) as bar:
        r = (
            Explorer(m)
            .check(props)
            .allow_bound_hits(args.allow_bound_hits)
            .simulate(
                steps=args.steps,
                runs=args.runs,
                seed=args.seed,
                keep_executions=bool(args.record),
                progress=(lambda done, runs, states: bar.update(done, states=states)) if bar.enabled else None,
            )
        )
    if args.record and not r.interrupted:  # after Ctrl-C nothing but the partial report is written
        spec = registry.get_spec(args.machine)
        _record_runs(m, r, args.record, spec if getattr(spec, "history_automaton", None) else None)
    _emit(args, r)
    if args.shrink and not args.json and r.verdict is Verdict.VIOLATED and not r.interrupted:
        _shrink(m, props, r, args)
    return r.verdict.exit_code


def _shrink(m: Machine, props: list[Any], r: SimulationReport, args: argparse.Namespace) -> None:
    """Search again with Hypothesis-driven schedules for the first violated invariant and print the
    shrunk run as a reproducer (seed, schedule, labels, a Python call that replays it)."""
    from ioakit.impl.net.schedules import find_failure, property_check

    name = next(x.name for x in r.results if x.verdict is Verdict.VIOLATED and not x.step)
    prop = next(p for p in props if p.name == name)
    found = find_failure(
        m,
        property_check(m, prop),
        max_steps=args.steps,
        max_examples=max(args.runs, 100),
        seed=args.seed,
        allow_bound_hits=args.allow_bound_hits,
    )
    if found is None:
        print(f"shrink: no schedule of at most {args.steps} steps violating {name} found by Hypothesis")
    else:
        print(f"shrunk to {len(found.run)} steps ({found.message}); reproducer:")
        print(found.reproducer())


def _record_runs(m: Machine, r: SimulationReport, directory: str, history: Any = None) -> None:
    """Write each simulated run as a trace file ``run-NNNN.jsonl`` (with state snapshots); the runs
    of an algorithm implementing an abstraction with histories (``history``: e.g. Figure 5, a
    ``round-based-register``: ``history`` is its spec) as that abstraction's histories (the spec's
    ``history``), which ``ioakit trace`` judges."""
    from pathlib import Path

    from ioakit.traces import Event, TraceHeader, write_trace

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for i, ex in enumerate(r.executions):
        if history is not None:  # an algorithm of an abstraction: its runs are recorded as histories
            auto = history.history_automaton
            header = TraceHeader(auto, m.scope.as_dict(), created_by=f"ioakit simulate {m.name}", seed=r.seed)
            events = history.history(ex.events())
        else:
            header = TraceHeader(
                m.name, m.scope.as_dict(), created_by="ioakit simulate", seed=r.seed, start_state=m.state_json(ex.start)
            )
            events = [
                Event(e["action"], e["kind"], e["args"], state=e["state"], at=e.get("at"))
                for e in ex.events(with_states=True)
            ]
        path = d / f"run-{i:04d}.jsonl"
        try:
            write_trace(path, header, events)
        except FileExistsError:
            raise UsageError(f"{path} exists; not overwriting recorded traces (choose another --record)") from None


def cmd_compare(args: argparse.Namespace) -> int:
    """Each machine takes the given scope parameters it has (an implementation and its
    specification share some: ``VStoTO-system`` and ``TO-machine`` share processors, values,
    max_inputs); a parameter neither has is an error."""
    from ioakit.refinement.refine import split_scope
    from ioakit.refinement.trace_equiv import compare_traces

    specs = [registry.get_spec(n) for n in (args.left, args.right)]
    scopes = split_scope(specs[0], specs[1], given_scope(args.scope, args.scope_file))
    left, right = (sp.build(sc) for sp, sc in zip(specs, scopes))
    r = compare_traces(left, right, allow_bound_hits=args.allow_bound_hits)
    _emit(args, r)
    return r.verdict.exit_code


def cmd_refine(args: argparse.Namespace) -> int:
    """Trace inclusion and every shipped (or the named) refinement mapping, exhaustively at the
    scope (``--z3``: also Z3's step obligation), or the mappings along a recorded trace."""
    from ioakit.refinement.refine import refine

    if args.trace and (args.scope or args.scope_file):
        raise UsageError("a trace carries its own scope (its header): --scope does not go with --trace")
    if args.assume and not args.z3:
        raise UsageError("--assume gives invariants to Z3's step obligation: it needs --z3")
    with _progress_line(args, f"refine {args.impl} → {args.spec}", rate=False) as bar:
        r = refine(
            args.impl,
            args.spec,
            given_scope(args.scope, args.scope_file),
            mapping=args.mapping,
            trace=args.trace,
            z3=args.z3,
            assume=args.assume,
            timeout_s=args.timeout,
            max_states=args.max_states,
            allow_bound_hits=args.allow_bound_hits,
            inclusion=not args.no_inclusion,
            progress=bar.note if bar.enabled else None,
        )
    _emit(args, r)
    return r.verdict.exit_code


def cmd_papers(args: argparse.Namespace) -> int:
    from ioakit import papers
    from ioakit.backends.symbolic import z3_version

    bar = _progress_line(args, "papers", unit="jobs", rate=False)

    def show(r: papers.JobResult) -> None:
        bar.clear()  # the job's lines go to stdout, maybe the same terminal
        if not args.json:
            print(r.show(), flush=True)

    def started(k: int, n: int, name: str) -> None:
        bar.update(k, total=n, running=name)

    if not args.json:
        print(f"ioakit {__import__('ioakit').__version__} — checking the bundled paper models (z3 {z3_version()})")
        print("  [scope]: the parameters that differ from the machine's defaults (`ioakit list`)")
    from ioakit.engines.prove import interruptible

    with interruptible(), bar:
        report = papers.MainJob(tuple(papers.run_all(show, started)))
    _emit(args, report)
    return report.verdict.exit_code


def cmd_render(args: argparse.Namespace) -> int:
    from ioakit.engines.explore import Explorer
    from ioakit.render import state_graph_dot, write_picture

    m = build_machine(args.machine, args.scope, args.scope_file)
    props = [] if args.no_invariants else registry.default_properties(m)
    highlight = None
    if props:
        r = Explorer(m).check(props).max_states(args.max_states).run()
        bad = [x for x in r.results if x.counterexample is not None]
        highlight = bad[0].counterexample if bad else None
    dot = state_graph_dot(m, max_states=args.max_states, props=props, highlight=highlight)
    path = write_picture(dot, args.output, force=args.force)
    data = {"output": str(path), "machine": m.name, "scope": m.scope.as_dict()}
    _emit(args, SimpleReport(Verdict.OK, data, f"wrote {path}"))
    return EXIT_OK


def cmd_trace(args: argparse.Namespace) -> int:
    from ioakit.traces import TraceFormatError, read_trace

    try:
        header, events = read_trace(args.file)
    except OSError as e:  # not an ioakit error: the file system's, said as an input error
        raise UsageError(f"{args.file}: {e.strerror}") from None
    try:
        checker = registry.trace_check(header.automaton)
    except registry.RegistryError as e:
        raise UsageError(f"{args.file}: {e}") from None  # the file is the input at fault: name it
    try:
        result: Any = checker.check(header, events)
    except TraceFormatError as e:
        if e.path == args.file:
            raise
        # a checker reading events that carry no path (a history's well-formedness): locate it in the file
        raise TraceFormatError(args.file, e.line, e.message) from None
    except ValueError as e:  # a header the checker cannot read (e.g. no initial members): line 1
        raise TraceFormatError(args.file, 1, str(e)) from None
    except OSError as e:
        raise UsageError(f"{args.file}: {e.strerror}") from None
    claim = checker.claim
    # a third-party checker may give only ``holds`` (registry.TraceCheck): its verdict is OK / VIOLATED
    verdict = getattr(result, "verdict", None) or (Verdict.OK if result.holds else Verdict.VIOLATED)
    lines = [f"{args.file}: {header.automaton} trace — {claim}"]

    def pr_verdict(pr: Any) -> Verdict:
        return getattr(pr, "verdict", None) or (Verdict.OK if pr.holds else Verdict.VIOLATED)

    def mark(pr: Any) -> str:
        if pr_verdict(pr) is Verdict.UNKNOWN:
            text = f"not judged: {pr.explanation}"
        else:
            text = "holds" if pr.holds else f"VIOLATED at event {pr.event_index}: {pr.explanation}"
        note = getattr(pr, "note", "")
        return f"{text} [{note}]" if note else text

    for pr in result.properties:
        lines.append(f"  {pr.name:<22} {mark(pr)}")
    # checks of assumptions that are not properties of the specification: shown, never in the verdict
    assumptions = tuple(getattr(result, "assumptions", ()))
    for pr in assumptions:
        lines.append(f"  assumption: {pr.name} {mark(pr)} (not part of the verdict)")
    data = {
        "file": args.file,
        "automaton": header.automaton,
        "verdict": verdict.value,
        "holds": result.holds,
        "properties": [
            {
                "name": pr.name,
                "verdict": pr_verdict(pr).value,
                "holds": pr.holds,
                "event_index": pr.event_index,
                "explanation": pr.explanation,
                **({"witnesses": list(pr.witnesses)} if hasattr(pr, "witnesses") else {}),
            }
            for pr in result.properties
        ],
    }
    if assumptions:
        data["assumptions"] = [
            {"name": pr.name, "verdict": pr_verdict(pr).value, "holds": pr.holds, "explanation": pr.explanation}
            for pr in assumptions
        ]
    _emit(args, SimpleReport(verdict, data, "\n".join(lines)))
    return verdict.exit_code


def load_invariant_file(m: Machine, path: str) -> Any:
    """Parse and type-check an invariant file (a path, or a shipped file's name) against ``m``;
    located errors are input errors (exit 2)."""
    from ioakit.invariants import load_invariants

    return load_invariants(registry.find_invariant_file(path), m)


def cmd_check(args: argparse.Namespace) -> int:
    from ioakit.invariants import check_invariants

    m = _build_reporting_cost(args)
    invs = load_invariant_file(m, args.file)
    with _progress_line(args, f"check {m.name}", unit="states", total=args.max_states) as bar:
        report = check_invariants(
            m, invs, max_states=args.max_states, allow_bound_hits=args.allow_bound_hits, progress=_explore_progress(bar)
        )
    _emit(args, report)
    return report.verdict.exit_code


def cmd_prove(args: argparse.Namespace) -> int:
    from ioakit.engines.prove import interruptible
    from ioakit.engines.table import lemma_table

    m = build_machine(args.machine, args.scope, args.scope_file)
    invs = load_invariant_file(m, args.file)
    props = list(invs.properties)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {p.name for p in props} - {p.name for p in getattr(invs, "step_properties", ())}
        if unknown:
            raise UsageError(f"{args.file} has no invariant named {', '.join(sorted(unknown))}")
        props = [p for p in props if p.name in wanted]
    support = _support_properties(m, args.support or [], props)
    if args.table:
        with interruptible():
            depth = args.bmc if args.bmc is not None else 10
            t = lemma_table(
                m,
                props,
                depth,
                args.timeout,
                args.max_states,
                allow_bound_hits=args.allow_bound_hits,
                support=support,
                explore_limit=args.explore_limit,
            )
        text = t.to_markdown() if args.format == "markdown" else render_json(t)
        _emit(args, SimpleReport(t.verdict, t.to_json(), text))
        return t.verdict.exit_code
    if args.bmc is None and not args.induction:
        args.induction = True
    steps = list(getattr(invs, "step_properties", ()))
    if args.only:
        steps = [p for p in steps if p.name in set(args.only.split(","))]
    with interruptible(), _progress_line(args, f"prove {m.name}", rate=False) as bar:
        return _prove(args, m, props, support, steps, bar)


def _support_properties(m: Machine, files: Sequence[str], targets: Sequence[Property]) -> list[Property]:
    """The invariants of the ``--support`` files (paths or shipped names, resolved like FILE),
    without those named like a target (``--only`` selects targets only: the rest of FILE may be
    given as support by naming FILE again). A file that does not load is exit 2, located."""
    names = {p.name for p in targets}
    out: list[Property] = []
    for f in files:
        for p in load_invariant_file(m, f).properties:
            if p.name not in names:
                names.add(p.name)
                out.append(p)
    return out


def _prove(
    args: argparse.Namespace,
    m: Machine,
    props: list[Property],
    support: Sequence[Property] = (),
    steps: Sequence[Any] = (),
    bar: Progress | None = None,
) -> int:
    """``ioakit prove`` without ``--table``: BMC and/or induction (``support`` proved with the
    targets), per-invariant supports; the file's step items as one-step obligations from the
    states satisfying its invariants (a failed obligation may start in an unreachable state:
    UNKNOWN, like a counterexample to induction)."""
    from ioakit.engines.prove import Outcome, Prover

    limit = {} if args.explore_limit is None else {"explore_limit": args.explore_limit}
    prover = Prover(m, args.timeout, allow_bound_hits=args.allow_bound_hits, **limit)
    out: dict[str, Any] = {"machine": m.name, "scope": m.scope.as_dict(), "file": args.file}
    if support:
        out["support_files"] = list(args.support)
        out["support"] = [p.name for p in support]
    text: list[str] = []
    verdicts: list[Verdict] = []  # about the invariants: OK proved, VIOLATED a real violation, else UNKNOWN
    conclusions: list[str] = []
    proved = not_inductive = False
    if args.bmc is not None:
        bmc_progress = (lambda k, depth: bar.update(k, total=depth, note="BMC depth")) if bar and bar.enabled else None
        b = prover.bmc(props, args.bmc, support=support, progress=bmc_progress)
        out["bmc"] = b.to_json()
        text.append(b.show())
        verdicts.append(b.verdict)
        conclusions.append(_bmc_conclusion(b))
        proved = b.verdict is Verdict.OK and b.complete
    if args.induction:
        if bar is not None:
            bar.note(f"induction on {len(props) + len(support)} invariant(s)")
        ind = prover.induction(props, support=support)
        out["induction"] = ind.to_json()
        text.append(ind.show())
        verdicts.append(ind.verdict)  # a CTI is not a violation: UNKNOWN (exit 3; ``Outcome.verdict``)
        conclusions.append(_induction_conclusion(ind))
        proved = proved or ind.outcome is Outcome.INDUCTIVE
        not_inductive = ind.outcome is Outcome.NOT_INDUCTIVE
        alone = []
        w = max([len("invariant"), *(len(p.name) for p in props)])
        if props:
            text.append(f"  {'invariant':<{w}}  inductive alone  support (smallest set of the others it needs)")
        for i, p in enumerate(props):
            if bar is not None:
                bar.note(f"each invariant alone, {i + 1}/{len(props)}: {p.name}")
            a = prover.inductive_alone(p)
            entry: dict[str, Any] = {"name": p.name, "inductive_alone": a.inductive.value}
            line = f"  {p.name:<{w}}  {_fmt_yes(a.inductive):<15}"
            if a.inductive is Verdict.VIOLATED and len(props) + len(support) > 1:
                sup = prover.minimal_support([*props, *support], p)
                entry["support"] = sup.to_json()
                line += f"  {sup.describe()}"
            alone.append(entry)
            text.append(line.rstrip())
        out["per_invariant"] = alone
        if args.cti_dot and ind.ctis:
            from ioakit.render import cti_dot, write_picture

            c = ind.ctis[0]
            write_picture(cti_dot(m, c.pre, c.label, c.post, c.broken), args.cti_dot, force=args.force)
            text.append(f"  counterexample to induction drawn in {args.cti_dot}")
    step_ok = True
    if steps:
        sr = prover.check_steps(steps, assume=[*props, *support])
        out["steps"] = sr.to_json()
        text.append(sr.show())
        step_ok = sr.verdict is Verdict.OK
        if not step_ok:
            conclusions.append(
                "a step item's one-step obligation "
                + (
                    "fails from a state satisfying the invariants (it may be unreachable)"
                    if sr.verdict is Verdict.VIOLATED
                    else "is undecided"
                )
            )
    if Verdict.VIOLATED in verdicts:
        verdict = Verdict.VIOLATED
    elif not step_ok:
        verdict = Verdict.UNKNOWN
    elif proved or all(v is Verdict.OK for v in verdicts):  # a proof settles what a BMC left undecided
        verdict = Verdict.OK
    else:
        verdict = Verdict.UNKNOWN
    out["verdict"] = verdict.value
    from ioakit.backends.symbolic import z3_version

    out["z3_version"] = z3_version()
    line = prove_verdict_line(
        verdict, conclusions, proved=proved, not_inductive=not_inductive, scope=str(m.scope), z3=z3_version()
    )
    text.append(line)
    _emit(args, SimpleReport(verdict, out, "\n".join(text)))
    return verdict.exit_code


def _name_list(names: Sequence[str]) -> str:
    """Names for a one-line summary: all of them, or the count and the first and last of many."""
    return ", ".join(names) if len(names) <= 4 else f"{len(names)} invariants ({names[0]} … {names[-1]})"


def _bmc_conclusion(b: BMCResult) -> str:
    """What a BMC run established, in words (for the last line of ``ioakit prove``)."""
    if b.verdict is Verdict.OK:
        text = f"no violation in executions of length ≤ {b.max_depth}"
        return text + (" (complete: no longer execution exists)" if b.complete else "")
    if b.verdict is Verdict.VIOLATED:
        bad = [f"{i.name} in {i.violated_at} steps" for i in b.items if i.verdict is Verdict.VIOLATED]
        return f"BMC reached a state violating {_name_list(bad)} (shortest execution above)"
    undecided = [i for i in b.items if i.verdict is Verdict.UNKNOWN]
    depth = min(i.depth for i in undecided)
    text = f"BMC did not decide {_name_list([i.name for i in undecided])} "
    if depth < 0:  # not even the start states were decided
        return text + f"in the start states ({undecided[0].reason})"
    return text + f"beyond length {depth} ({undecided[0].reason}); no violation in executions of length ≤ {depth}"


def _induction_conclusion(ind: InductionResult) -> str:
    """What an induction run established about the invariants, in words."""
    from ioakit.engines.prove import Outcome

    o = ind.outcome
    if o is Outcome.INDUCTIVE and ind.support:
        return (
            f"the conjunction of {len(ind.targets)} invariant(s) and {len(ind.support)} support invariant(s) "
            "is inductive: they hold in every reachable state"
        )
    if o is Outcome.INDUCTIVE:
        return f"the conjunction of {len(ind.items)} invariant(s) is inductive: they hold in every reachable state"
    if o is Outcome.VIOLATED_INITIALLY:
        bad = [i.name for i in ind.items if i.outcome is Outcome.VIOLATED_INITIALLY]
        return f"{_name_list(bad)} {'is' if len(bad) == 1 else 'are'} false in a start state (shown above)"
    if o is Outcome.NOT_INDUCTIVE:
        return (
            "not proved: counterexamples to induction above, whose pre-states may be unreachable; the "
            "invariants may still hold in every reachable state (strengthen them, or try --bmc K or `ioakit check`)"
        )
    undecided = [i for i in ind.items if i.outcome is Outcome.UNKNOWN]
    if ind.cut_possible:
        return f"not proved: {undecided[0].reason}"
    return (
        f"not decided: Z3 could not tell whether {_name_list([i.name for i in undecided])} "
        f"{'is' if len(undecided) == 1 else 'are'} inductive ({undecided[0].reason})"
    )


def prove_verdict_line(
    verdict: Verdict, conclusions: Sequence[str], *, proved: bool, not_inductive: bool, scope: str, z3: str
) -> str:
    """The last line of ``ioakit prove``: the verdict, what was established, at which scope.

    "(bounded proof at scope …)" is written only when something was actually proved (induction
    succeeded, or BMC covered every execution); otherwise the line says what was checked at the
    scope, so an UNKNOWN or a depth-bounded BMC never reads as a proof. NOT INDUCTIVE is how an
    UNKNOWN caused by a counterexample to induction is named (exit 3, like UNKNOWN).
    """
    word = "NOT INDUCTIVE" if verdict is Verdict.UNKNOWN and not_inductive else verdict.value
    where = f"bounded proof at scope {scope}" if proved and verdict is Verdict.OK else f"scope {scope}"
    return f"verdict: {word} — {'; '.join(conclusions)}  ({where}; z3 {z3})"


def _fmt_yes(v: Verdict) -> str:
    return {"OK": "yes", "VIOLATED": "no", "UNKNOWN": "unknown"}.get(v.value, v.value)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "prove": cmd_prove,
    "check": cmd_check,
    "trace": cmd_trace,
    "render": cmd_render,
    "papers": cmd_papers,
    "list": cmd_list,
    "explore": cmd_explore,
    "simulate": cmd_simulate,
    "compare": cmd_compare,
    "refine": cmd_refine,
}


def make_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="ioakit",
        description="Executable I/O-automaton specs of distributed-algorithms papers: explore, check, prove.",
        epilog="exit status: 0 holds, 1 violated, 2 usage/input error, 3 unknown/incomplete, 4 internal error",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON object (machine-readable)")
    common.add_argument("--compact", action="store_true", help="with --json: on one line")
    common.add_argument(
        "--quiet",
        action="store_true",
        help="no progress line on stderr (shown by default when stderr is a terminal; never on stdout)",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", parents=[common], help="list the machines and their scope parameters")
    p.add_argument("machines", nargs="*", help="only these (names, path/to/model.py:Class or module:Class)")
    sub.add_parser("papers", parents=[common], help="the main job: check every bundled paper model, with a summary")

    p = sub.add_parser("explore", parents=[common], help="exhaustive breadth-first exploration of a machine")
    p.add_argument("machine")
    _scope_args(p)
    p.add_argument("--max-states", type=_int_at_least(1), help="stop with INCOMPLETE (exit 3) after this many states")
    p.add_argument("--max-depth", type=_int_at_least(0), help="stop with INCOMPLETE after this many BFS levels")
    p.add_argument("--no-invariants", action="store_true", help="only count states")
    p.add_argument(
        "--progress",
        action="store_true",
        help="print what tracing and code generation cost, then progress, on stderr even when it is not a "
        "terminal (one line a second)",
    )
    _bound_args(p)

    p = sub.add_parser("check", parents=[common], help="check an invariant file on every reachable state")
    p.add_argument("machine")
    p.add_argument("file", help="invariant file (.inv), or the name of a shipped lemma file (e.g. vs_lemma_4_1)")
    _scope_args(p)
    p.add_argument("--max-states", type=_int_at_least(1), help="stop with INCOMPLETE (exit 3) after this many states")
    p.add_argument(
        "--progress",
        action="store_true",
        help="print what tracing and code generation cost, then progress, on stderr even when it is not a terminal",
    )
    _bound_args(p)

    p = sub.add_parser("prove", parents=[common], help="bounded proofs with Z3: BMC and induction (with CTIs)")
    p.add_argument("machine")
    p.add_argument("file", help="invariant file (.inv), or the name of a shipped lemma file (e.g. vs_lemma_4_1)")
    _scope_args(p)
    p.add_argument(
        "--bmc", type=_int_at_least(0), metavar="K", help="bounded model checking to depth K from the start states"
    )
    p.add_argument("--induction", action="store_true", help="is the conjunction inductive? (default if no --bmc)")
    p.add_argument(
        "--timeout", type=_positive_float, default=30.0, help="seconds per Z3 check; a timeout is UNKNOWN (exit 3)"
    )
    p.add_argument("--only", help="comma-separated invariant names to use (default: all in the file)")
    p.add_argument(
        "--support",
        action="append",
        metavar="FILE2",
        help="support invariants (a .inv file or a shipped file's name; repeatable), proved together with "
        "FILE's and then assumed (e.g. bounds that rule out steps cut off by the scope); --only does not apply",
    )
    p.add_argument(
        "--explore-limit",
        type=_int_at_least(0),
        default=None,
        help="states the exploration may visit to rule out steps cut off by the bounds when Z3 cannot "
        "(default 500,000; 0 never explores)",
    )
    p.add_argument("--table", action="store_true", help="the results table: exploration, BMC, induction, support")
    p.add_argument("--format", choices=["markdown", "json"], default="markdown", help="with --table")
    p.add_argument("--max-states", type=_int_at_least(1), default=2_000_000, help="with --table: exploration limit")
    p.add_argument("--cti-dot", metavar="FILE", help="draw the first counterexample to induction (.dot/.svg/.png/.pdf)")
    p.add_argument("--force", action="store_true", help="overwrite --cti-dot's file if it exists")
    _bound_args(p)

    p = sub.add_parser("simulate", parents=[common], help="seeded random simulation (for scopes too large to exhaust)")
    p.add_argument("machine")
    _scope_args(p)
    p.add_argument("--steps", type=_int_at_least(0), default=100, help="steps per run")
    p.add_argument("--runs", type=_int_at_least(1), default=100, help="number of runs")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same runs)")
    p.add_argument("--record", metavar="DIR", help="write every run as a trace file into DIR")
    p.add_argument(
        "--shrink",
        action="store_true",
        help="on a violation, search Hypothesis-driven schedules and print the shrunk run as a reproducer",
    )
    p.add_argument("--no-invariants", action="store_true")
    _bound_args(p)

    p = sub.add_parser("trace", parents=[common], help="check a recorded trace file (traces/FORMAT.md)")
    p.add_argument("file")

    p = sub.add_parser("render", parents=[common], help="draw the reachable state graph (small scopes)")
    p.add_argument("machine")
    _scope_args(p)
    p.add_argument("-o", "--output", required=True, help="output file: .dot, .svg, .png or .pdf")
    p.add_argument(
        "--max-states", type=_int_at_least(1), default=200, help="refuse graphs larger than this (default 200)"
    )
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.add_argument("--no-invariants", action="store_true", help="do not mark violating states")

    p = sub.add_parser("compare", parents=[common], help="compare the finite-trace sets of two machines (exact)")
    p.add_argument("left")
    p.add_argument("right")
    _scope_args(p)
    _bound_args(p)

    p = sub.add_parser(
        "refine",
        parents=[common],
        help="does IMPL refine SPEC: trace inclusion and forward simulations (exhaustive, along a trace, Z3)",
    )
    p.add_argument("impl", help="the implementation machine (e.g. VStoTO-system)")
    p.add_argument("spec", help="the specification machine (e.g. TO-machine)")
    p.add_argument("--mapping", help="check only this refinement mapping (default: every shipped one between the two)")
    _scope_args(p)
    p.add_argument("--trace", help="check the mapping(s) along this recorded trace (snapshots, or replay)")
    p.add_argument("--z3", action="store_true", help="also prove the step obligation of each mapping with Z3")
    p.add_argument(
        "--assume",
        action="append",
        default=[],
        metavar="INV",
        help="with --z3: invariant file (path or shipped name) assumed of the pre-state (repeatable)",
    )
    p.add_argument("--timeout", type=_positive_float, default=60.0, help="Z3 timeout per query, seconds (default 60)")
    p.add_argument("--max-states", type=_int_at_least(1), help="stop the exhaustive check after this many states")
    p.add_argument("--no-inclusion", action="store_true", help="skip the trace-inclusion check")
    _bound_args(p)
    return ap


def error_text(command: str, message: str) -> str:
    """The stderr text of an input error: ``ioakit COMMAND: error: MESSAGE``.

    A located message (``file:line:col: error: …``, the invariant DSL's format) already says
    ``error:``; it gets only the ``ioakit COMMAND:`` prefix, so the word is not printed twice.
    """
    first = message.split("\n", 1)[0]
    if ": error: " in first or first.startswith("error: "):
        return f"ioakit {command}: {message}"
    return f"ioakit {command}: error: {message}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ioakit`` command; returns the exit status.

    The one place errors become exit statuses: a ``UserError`` (bad input: ``ioakit.errors``) is
    its message on stderr and exit 2; Ctrl-C before a command produced its partial report is
    INCOMPLETE, exit 3; anything else is a bug in ioakit: a one-line "internal error" on stderr
    and exit 4 (never 1, which means "violated"; the traceback only with ``IOAKIT_DEBUG=1``).
    """
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) if e.code in (0, None) else EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except UserError as e:
        print(error_text(args.command, str(e)), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        _report_interrupt(args)
        return EXIT_UNKNOWN
    except BrokenPipeError:
        # the reader went away (``ioakit check ... | head``): not every result was delivered, so
        # claim nothing; point stdout at /dev/null so the interpreter's final flush stays quiet
        _silence_stdout()
        return EXIT_UNKNOWN
    except Exception as e:
        if is_interrupt(e):  # Ctrl-C surfacing through a C library (Z3's ctypes calls)
            _report_interrupt(args)
            return EXIT_UNKNOWN
        if os.environ.get("IOAKIT_DEBUG") == "1":
            raise
        print(
            f"ioakit {args.command}: internal error: {type(e).__name__}: {e} — please report it with the command "
            "line (IOAKIT_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _report_interrupt(args: argparse.Namespace) -> None:
    """Ctrl-C outside an engine that reports partial results itself: nothing was established."""
    text = "INCOMPLETE — interrupted (Ctrl-C) before a result; nothing is claimed"
    try:
        if getattr(args, "json", False):
            report = SimpleReport(Verdict.INCOMPLETE, {"command": args.command, "interrupted": True})
            print(render_json(report, compact=args.compact))
        print(f"\nioakit {args.command}: {text}", file=sys.stderr)
    except KeyboardInterrupt:  # a second Ctrl-C while reporting the first
        pass


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # stdout is not a real file (e.g. under a test)
        pass
