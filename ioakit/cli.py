"""The ``ioakit`` command line.

Every command is a thin layer over a library call. Exit status (``ioakit.results``):
0 = holds, 1 = violated, 2 = usage or input error (an ``ioakit.errors.UserError``, caught once,
in ``main``), 3 = unknown / incomplete, 4 = internal error (a bug in ioakit).
Human output by default; ``--json`` prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from ioakit import registry
from ioakit.engines.explore import Property, SimulationReport, Verdict
from ioakit.engines.store import STORES
from ioakit.errors import UserError, is_interrupt, printable
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
    from pathlib import Path

    from ioakit.engines.prove import BMCResult, InductionResult
    from ioakit.progress import Progress

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_UNKNOWN", "EXIT_USAGE", "EXIT_VIOLATED", "UsageError", "main"]


class UsageError(UserError):
    """Bad command-line input that no library call rejects itself (exit status 2 in ``main``)."""


# -- shared helpers ----------------------------------------------------------------------------


def _store_arg(p: argparse.ArgumentParser) -> None:
    """``--store``: the explorer's seen-set (``Explorer.store``)."""
    p.add_argument(
        "--store",
        choices=STORES,
        default="exact",
        help="the seen-set: exact (default: every reached state kept), compact (exact, each state packed into 64 "
        "bits by numbering each variable's values; refused when they need more), or fingerprint (64-bit "
        "fingerprints; verdicts hold up to fingerprint collisions, whose probability the report bounds); compact "
        "and fingerprint take about half the peak memory at large scopes",
    )


def _scope_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scope", default="", help="scope parameters, e.g. processors=2,max_inputs=3")
    p.add_argument("--scope-file", help="scope parameters from a .toml or .json file (--scope overrides)")


def _int_at_least(least: int, most: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer ≥ ``least`` (and ≤ ``most``; else a usage error, exit 2)."""

    def parse(text: str) -> int:
        if len(text) > 18 and text.strip().lstrip("+-").isdigit():
            raise argparse.ArgumentTypeError(f"a number of {len(text.strip()):,} digits is too large")
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if v < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, got {v}")
        if most is not None and v > most:
            raise argparse.ArgumentTypeError(f"must be at most {most}, got {v}")
        return v

    return parse


MAX_WORKERS = 256
"""The most processes ``--workers`` forks: each holds a copy-on-write image of the compiled machine
and a share of the states, and a mistyped ``--workers 10000`` must not fork ten thousand."""


def _workers_arg(text: str) -> int:
    """``--workers``: a count in 1 … ``MAX_WORKERS``, or ``auto``: the cores this process may run
    on. The default stays 1 (not all cores) so that a report never depends on the machine it ran
    on: with several workers ``--max-states`` completes the level that crosses the cap, and a run
    of a small machine would pay for the forks."""
    if text.strip().lower() == "auto":
        from ioakit.engines.parallel import default_workers

        return min(default_workers(), MAX_WORKERS)
    return _int_at_least(1, MAX_WORKERS)(text)


MAX_TIMEOUT = 1_000_000.0
"""The longest timeout accepted, in seconds (about 11 days): Z3 takes milliseconds as a 32-bit
count, and ``inf`` was an internal error (``OverflowError``) rather than a usage error."""


def _positive_float(text: str) -> float:
    """An argparse type: a number > 0 and at most ``MAX_TIMEOUT`` (a Z3 timeout, seconds); ``nan``
    and ``inf`` are refused."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    if not v <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_TIMEOUT:,.0f} seconds, got {text}")
    return v


def _engine_name(text: str) -> str:
    """An argparse type: an engine of ``--engine`` (``ioakit.engines.distributed.ENGINES``); ``ray``
    and unknown names are usage errors saying what is provided."""
    from ioakit.engines.distributed import ENGINES, DaskEngineError, refuse_engine

    try:
        refuse_engine(text)
    except DaskEngineError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    assert text in ENGINES
    return text


def _engine_args(p: argparse.ArgumentParser) -> None:
    """``--engine`` and ``--address``: where the search runs (``Explorer.engine``)."""
    p.add_argument(
        "--engine",
        type=_engine_name,
        default="fork",
        metavar="{fork,dask}",
        help="fork (default: this process, or --workers N forked processes) or dask (the search partitioned over "
        "the workers of a Dask cluster: the one at --address, else a local cluster started and closed here; "
        "docs/distributed.md)",
    )
    p.add_argument(
        "--address",
        metavar="HOST:PORT",
        help="with --engine dask: the scheduler of a running Dask cluster (e.g. tcp://10.0.0.5:8786); it is not shut "
        "down afterwards",
    )


def _workers_of(args: argparse.Namespace) -> int | None:
    """``--workers`` as given, else None: 1 with the fork engine, the cluster's workers with dask."""
    return args.workers if args.workers is not None or args.engine == "dask" else 1


def _bound_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-bound-hits",
        action="store_true",
        help="accept steps cut off by the scope's bounds (else the result is INCOMPLETE / UNKNOWN, exit 3); "
        "the result is then about the bounded machine only",
    )


def _symmetry_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--symmetry",
        action="store_true",
        help="explore orbit representatives under the symmetry the machine declares (checked first; "
        "docs/spec-api.md, Symmetry); counterexamples are real executions",
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
    """The one output path of every command: ``render_json`` with ``--json``, else ``show()``;
    with ``--junit FILE`` the report is also written as JUnit XML (``ioakit.junit``), whatever
    its verdict (a violated or undecided check is what CI needs to see)."""
    if getattr(args, "junit", None):
        from ioakit.junit import suites_for, write_junit

        write_junit(args.junit, suites_for(report, args.command), name=f"ioakit {args.command}")
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
        where = d["source"] or d["doc"] or "(no source given: set the class's `source`, citing the paper)"
        out = [f"{indent}{d['name']}  — {where}"]
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
    if args.liveness:
        return _explore_liveness(args, m)
    props = [] if args.no_invariants else registry.default_properties(m)
    with _progress_line(args, f"explore {m.name}", unit="states", total=args.max_states) as bar:
        ex = Explorer(m).engine(args.engine, args.address, args.machine)
        if _workers_of(args) is not None:
            ex.workers(_workers_of(args))
        r = (
            ex.check(props)
            .max_states(args.max_states)
            .max_memory(args.max_memory)
            .store(args.store)
            .max_depth(args.max_depth)
            .allow_bound_hits(args.allow_bound_hits)
            .symmetry(args.symmetry)
            .progress(_explore_progress(bar))
            .run()
        )
    _emit(args, r)
    return r.verdict.exit_code


def _explore_liveness(args: argparse.Namespace, m: Machine) -> int:
    """``explore --liveness``: the machine's liveness conclusions in every quiescent state, and no
    cycle of steps (``ioakit.engines.quiescence``); one process, exact store."""
    from ioakit.engines.quiescence import check_quiescence

    if isinstance(args.liveness, str):  # the conclusions from an invariant file
        invs = load_invariant_file(m, args.liveness)
        if invs.steps:
            raise UsageError(
                f"{args.liveness}: `step` items are not conclusions about a quiescent state; use a file of "
                "`invariant` items with --liveness"
            )
        conclusions = invs.properties
    else:
        conclusions = registry.liveness_conclusions(m)
    if conclusions is None:
        raise UsageError(
            f"{m.name} has no shipped liveness conclusions (dynastore and its variants have Definition 3.2's); "
            "give them as an invariant file: --liveness FILE"
        )
    others = [
        flag
        for flag, given in (
            ("--workers", _workers_of(args) not in (None, 1)),
            ("--engine dask", args.engine != "fork"),
            ("--symmetry", args.symmetry),
            ("--store", args.store != "exact"),
            ("--max-depth", args.max_depth is not None),
            ("--no-invariants", args.no_invariants),
            ("--allow-bound-hits", args.allow_bound_hits),
        )
        if given
    ]
    if others:
        raise UsageError(f"--liveness runs in one process over the exact state graph: drop {', '.join(others)}")
    r = check_quiescence(m, conclusions, max_states=args.max_states)
    _emit(args, r)
    return r.verdict.exit_code


def cmd_simulate(args: argparse.Namespace) -> int:
    from ioakit.engines.explore import Explorer

    _refuse_existing_itf(args)
    if args.record:
        _check_record_folder(args.record)
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
                keep_executions=bool(args.record or args.itf),
                workers=args.workers,
                progress=(lambda done, runs, states: bar.update(done, states=states)) if bar.enabled else None,
            )
        )
    if args.record and not r.interrupted:  # after Ctrl-C nothing but the partial report is written
        spec = registry.get_spec(args.machine)
        _record_runs(m, r, args.record, spec if getattr(spec, "history_automaton", None) else None)
    if args.itf and not r.interrupted:
        _write_itf(args, "ioakit simulate", r.results, r.executions[0] if r.executions else None, seed=r.seed)
    _emit(args, r)
    if args.shrink and not args.json and r.verdict is Verdict.VIOLATED and not r.interrupted:
        try:
            _shrink(m, props, r, args)
        except KeyboardInterrupt:  # the violation reported above stands: exit 1, not "nothing claimed"
            print("shrink: interrupted (Ctrl-C) before a shrunk run was found; the violation reported above stands")
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


def _refuse_existing_itf(args: argparse.Namespace) -> None:
    """``--itf OUT`` naming an existing file without ``--force``: refused before any work."""
    if args.itf:
        from ioakit.files import new_output_path

        new_output_path(args.itf, args.itf, args.force)


def _write_itf(
    args: argparse.Namespace, by: str, results: Sequence[Any], fallback: Any, seed: int | None = None
) -> None:
    """``--itf FILE``: the counterexample of the first violated property as an ITF trace
    (``traces/ITF.md``), else ``fallback`` (``simulate``: run 0); a note on stderr says which."""
    from ioakit.traces.itf import execution_to_itf, write_itf

    bad = next((x for x in results if getattr(x, "counterexample", None) is not None), None)
    ex = bad.counterexample if bad is not None else fallback
    if ex is None:
        print(f"{by}: no counterexample, so no ITF trace written to {args.itf}", file=sys.stderr)
        return
    what = f"the counterexample to {bad.name}" if bad is not None else "run 0"
    write_itf(args.itf, execution_to_itf(ex, created_by=by, description=f"{what} of {by}", seed=seed), force=args.force)
    print(f"{by}: wrote {args.itf} (ITF, {len(ex) + 1} states: {what})", file=sys.stderr)


def _check_record_folder(directory: str) -> None:
    """``simulate --record DIR``, checked before the runs: DIR is a folder (made if missing, its
    parent must exist: a mistyped path is noticed, not honoured) holding no ``run-*.jsonl`` yet —
    recorded traces are never overwritten, nor are the runs lost after they were made."""
    from pathlib import Path

    d = Path(directory)
    what = f"--record {directory}"
    try:
        if d.exists() and not d.is_dir():
            raise UsageError(f"{what}: is a file, not a folder")
        if not d.exists():
            if not d.parent.is_dir():
                raise UsageError(f"{what}: the folder {d.parent} does not exist (create it first)")
            d.mkdir()
        taken = sorted(d.glob("run-*.jsonl"))
    except OSError as e:
        raise UsageError(f"{what}: cannot use that folder: {e.strerror}") from None
    if taken:
        raise UsageError(f"{taken[0]} exists; not overwriting recorded traces (choose another --record)")


def _record_runs(m: Machine, r: SimulationReport, directory: str, history: Any = None) -> None:
    """Write each simulated run as a trace file ``run-NNNN.jsonl`` (with state snapshots); the runs
    of an algorithm implementing an abstraction with histories (``history``: e.g. Figure 5, a
    ``round-based-register``: ``history`` is its spec) as that abstraction's histories (the spec's
    ``history``), which ``ioakit trace`` judges.

    All or nothing: each file is written atomically, and if one cannot be (a full disk, Ctrl-C),
    the runs this call already wrote are removed too, so DIR never holds a partial recording that
    reads as the whole of a run that failed."""
    from pathlib import Path

    _check_record_folder(directory)
    written: list[Path] = []
    try:
        for i, ex in enumerate(r.executions):
            written.append(_record_run(m, r, Path(directory) / f"run-{i:04d}.jsonl", ex, history, directory))
    except BaseException:
        for path in written:  # new files only: an existing run file is refused, never replaced
            path.unlink(missing_ok=True)
        raise


QUIESCENT_CONTRACTS = ("atomic-register", "weak-snapshot")
"""History contracts with the ``quiescent`` marker (``traces/FORMAT.md``, DynaStore histories)."""


def _quiescent(m: Machine, ex: Any) -> bool:
    """Whether the run ended in a state where no step of the machine is enabled and none was cut
    off by the scope's bounds: no invocation, crash, delivery or local step can follow, so the run
    followed by nothing is a fair execution — what the ``quiescent`` marker declares. A run stopped
    by ``--steps`` (a step still enabled) is not."""
    return not m.compiled().successors(ex.final)  # a step cut off by the bounds is listed, as None


def _record_run(m: Machine, r: SimulationReport, path: Path, ex: Any, history: Any, directory: str) -> Path:
    """Write the run ``ex`` to ``path`` for :func:`_record_runs` (``directory``: as given to
    ``--record``, for messages); returns ``path``."""
    from ioakit.files import write_atomically
    from ioakit.traces import Event, TraceHeader
    from ioakit.traces.format import dumps_trace

    if history is not None:  # an algorithm of an abstraction: its runs are recorded as histories
        auto = history.history_automaton
        header = TraceHeader(auto, m.scope.as_dict(), created_by=f"ioakit simulate {m.name}", seed=r.seed)
        events = history.history(ex.events())
        if auto in QUIESCENT_CONTRACTS and _quiescent(m, ex):
            events.append(Event("quiescent", "input", {}))
    else:
        header = TraceHeader(
            m.name, m.scope.as_dict(), created_by="ioakit simulate", seed=r.seed, start_state=m.state_json(ex.start)
        )
        events = [
            Event(e["action"], e["kind"], e["args"], state=e["state"], at=e.get("at"))
            for e in ex.events(with_states=True)
        ]
    if path.exists():
        raise UsageError(f"{path} exists; not overwriting recorded traces (choose another --record)")
    # atomically (ioakit.files): a full disk or Ctrl-C half-way leaves no half-written run
    return write_atomically(path, dumps_trace(header, events), f"--record {directory}")


def cmd_compare(args: argparse.Namespace) -> int:
    """Each machine takes the given scope parameters it has (an implementation and its
    specification share some: ``VStoTO-system`` and ``TO-machine`` share processors, values,
    max_inputs); a parameter neither has is an error."""
    from ioakit.refinement.refine import split_scope
    from ioakit.refinement.trace_equiv import compare_traces

    specs = [registry.get_spec(n) for n in (args.left, args.right)]
    scopes = split_scope(specs[0], specs[1], given_scope(args.scope, args.scope_file))
    left, right = (sp.build(sc) for sp, sc in zip(specs, scopes))
    with _progress_line(args, f"compare {left.name} {right.name}", unit="pairs") as bar:
        shown = (lambda pairs, queued: bar.update(pairs, queued=queued)) if bar.enabled else None
        r = compare_traces(left, right, allow_bound_hits=args.allow_bound_hits, progress=shown)
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


def cmd_baseline(args: argparse.Namespace) -> int:
    """``ioakit baseline record`` writes the manifest (refusing to replace one without
    ``--force``); ``ioakit baseline check`` re-explores and names every drift (``ioakit.baseline``)."""
    from ioakit import baseline
    from ioakit.files import writable_path, write_atomically

    talk = not args.json
    if args.action == "record":
        what = f"baseline record --output {args.output}"
        out = writable_path(args.output, what)  # refused before the explorations, not after
        if out.exists() and not args.force:
            raise UsageError(f"{out} exists; not replacing a baseline manifest (use --force)")

        def recorded(name: str, e: dict[str, Any]) -> None:
            if talk:
                figures = e.get("skipped") or f"{e['states']:,} states, depth {e['depth']}, {e['verdict']}"
                print(f"  recorded {name}: {figures}", file=sys.stderr, flush=True)

        manifest = baseline.record(args.machine, args.max_states, recorded)
        write_atomically(out, baseline.manifest_text(manifest), what)
        entries = manifest["machines"]
        skipped = [n for n, e in entries.items() if "skipped" in e]
        text = f"wrote {out}: {len(entries) - len(skipped)} machines explored, {len(skipped)} skipped (over the budget)"
        _emit(args, SimpleReport(Verdict.OK, {"output": str(out), **manifest}, text))
        return EXIT_OK

    def checked(name: str, drifts: list[Any]) -> None:
        if talk:
            print(f"  {'DRIFT' if drifts else 'same'} {name}", file=sys.stderr, flush=True)

    r = baseline.check(args.file, args.machine, checked)
    _emit(args, r)
    return r.verdict.exit_code


def cmd_render(args: argparse.Namespace) -> int:
    """Draw a machine's state graph (narrowed by the options), its first counterexample to
    induction (``--cti FILE``), or a trace file's message chart (TARGET ending in ``.jsonl``:
    ``render.is_trace_file``)."""
    from ioakit import render

    render.check_picture_path(args.output, args.force)  # before any work: a result is never lost
    if render.is_trace_file(args.machine):
        machine_only = ["vars", "project", "mapping", "around", "invariants", "cti", "only", "scope_file"]
        given = [f"--{o.replace('_', '-')}" for o in machine_only if getattr(args, o)]
        given += ["--hide-internal"] * args.hide_internal + ["--no-invariants"] * args.no_invariants
        if given or args.scope:
            raise UsageError(f"{', '.join(given or ['--scope'])}: for a machine, not a trace file ({args.machine})")
        dot, header = render.trace_chart(args.machine, max_events=args.max_events)
        path = render.write_picture(dot, args.output, force=args.force)
        data = {"output": str(path), "trace": args.machine, "automaton": header.automaton, "picture": "message chart"}
        _emit(args, SimpleReport(Verdict.OK, data, f"wrote {path}"))
        return EXIT_OK
    m = build_machine(args.machine, args.scope, args.scope_file)
    data: dict[str, Any] = {"machine": m.name, "scope": m.scope.as_dict()}
    if args.cti:
        return _render_cti(args, m, data)
    if args.invariants:
        props: list[Property] = list(load_invariant_file(m, args.invariants).properties)
    else:
        props = [] if args.no_invariants else registry.default_properties(m)
    mapping = None
    if args.mapping:
        from ioakit.refinement.refine import bind, mapping_named

        mapping = bind(mapping_named(args.mapping), m)
    narrowed = args.hide_internal or args.around or args.project or args.mapping
    highlight = render.first_counterexample(m, props, args.explore_limit if narrowed else args.max_states)
    dot = render.state_graph_dot(
        m,
        max_states=args.max_states,
        props=props,
        highlight=highlight,
        variables=_names(args.vars) if args.vars else None,
        hide_internal=args.hide_internal,
        project=_names(args.project) if args.project else None,
        mapping=mapping,
        around=args.around,
        radius=args.radius,
        explore_limit=args.explore_limit,
    )
    path = render.write_picture(dot, args.output, force=args.force)
    data.update(output=str(path), picture="state graph", counterexample=highlight is not None)
    _emit(args, SimpleReport(Verdict.OK, data, f"wrote {path}"))
    return EXIT_OK


def _names(text: str) -> list[str]:
    """A comma-separated list of names (``--vars a,b``)."""
    return [x.strip() for x in text.split(",") if x.strip()]


def _render_cti(args: argparse.Namespace, m: Machine, data: dict[str, Any]) -> int:
    """``ioakit render M --cti FILE``: induction on FILE's invariants (``--only``), the first
    counterexample to induction drawn; none (inductive, false initially, undecided) draws nothing
    and says why, with ``ioakit prove``'s verdict and exit status."""
    from ioakit.engines.prove import Prover, interruptible, settled
    from ioakit.render import witness_dot, write_picture

    props = list(load_invariant_file(m, args.cti).properties)
    if args.only:
        wanted = set(_names(args.only))
        unknown = wanted - {p.name for p in props}
        if unknown:
            raise UsageError(f"{args.cti} has no invariant named {', '.join(sorted(unknown))}")
        props = [p for p in props if p.name in wanted]
    with interruptible():
        ind = settled(Prover(m, args.timeout, allow_bound_hits=args.allow_bound_hits).induction(props))
    data.update(picture="counterexample to induction", file=args.cti, outcome=ind.outcome.value)
    if not ind.ctis:
        data["output"] = None
        text = f"nothing drawn: no counterexample to induction ({ind.outcome.value}; `ioakit prove` says more)"
        _emit(args, SimpleReport(ind.verdict, data, text))
        return ind.verdict.exit_code
    c = ind.ctis[0]
    path = write_picture(witness_dot(c), args.output, force=args.force)
    data.update(output=str(path), cti=c.to_json())
    _emit(args, SimpleReport(Verdict.OK, data, f"wrote {path}: {', '.join(c.broken)} not preserved by {c.label}"))
    return EXIT_OK


def cmd_trace(args: argparse.Namespace) -> int:
    if args.to_itf or args.machine or args.file.endswith(".json"):
        return _trace_itf(args)
    if args.scope or args.scope_file or args.invariants or args.ignore_actions:
        raise UsageError("--scope, --invariants and --ignore-actions go with an ITF trace (--machine or FILE.json)")

    header, checker, result = registry.judge_trace_file(args.file)
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
    interrupted = isinstance(result, registry.InterruptedTraceCheck)
    if interrupted:  # Ctrl-C: the partial report (``judge_trace_file``)
        lines.append(f"  {verdict.value} — {result.explanation}")
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
    if interrupted:
        data.update(interrupted=True, complete=False, events_read=result.events_read, reason=result.explanation)
    if assumptions:
        data["assumptions"] = [
            {"name": pr.name, "verdict": pr_verdict(pr).value, "holds": pr.holds, "explanation": pr.explanation}
            for pr in assumptions
        ]
    _emit(args, SimpleReport(verdict, data, "\n".join(lines)))
    return verdict.exit_code


def _trace_itf(args: argparse.Namespace) -> int:
    """``ioakit trace FILE.jsonl --to-itf OUT`` (an ioakit trace file to ITF) and ``ioakit trace
    FILE.itf.json [--machine M]`` (is the ITF trace an execution of M whose states satisfy M's
    default properties and ``--invariants``?): ``ioakit.traces.itf``."""
    from ioakit.traces import itf

    if args.to_itf:
        if args.machine or args.scope or args.scope_file or args.invariants:
            raise UsageError("--to-itf converts an ioakit trace file, whose header names machine and scope")
        m, doc = itf.trace_file_to_itf(args.file)
        path = itf.write_itf(args.to_itf, doc, force=args.force)
        data = {"file": args.file, "output": str(path), "machine": m.name, "states": len(doc["states"])}
        _emit(args, SimpleReport(Verdict.OK, data, f"wrote {path} (ITF, {len(doc['states'])} states of {m.name})"))
        return EXIT_OK
    trace = itf.read_itf(args.file)
    recorded, scope = itf.recorded_machine(trace)
    name = args.machine or recorded
    if name is None:
        raise UsageError(f"{args.file}: the ITF trace does not say which ioakit machine it is of: give --machine")
    if args.scope or args.scope_file or name != recorded:
        m = build_machine(name, args.scope, args.scope_file)
    else:  # the machine the file was written from, at its recorded scope
        m = registry.get_spec(name).build(scope)
    props, steps = registry.default_properties(m), []
    if args.invariants:
        invs = load_invariant_file(m, args.invariants)
        have = {p.name for p in props}
        props += [p for p in invs.properties if p.name not in have]
        steps = list(getattr(invs, "step_properties", ()))
    report = itf.check_itf(m, trace, props, steps, actions=not args.ignore_actions)
    _emit(args, report)
    return report.verdict.exit_code


def load_invariant_file(m: Machine, path: str) -> Any:
    """Parse and type-check an invariant file (a path, or a shipped file's name) against ``m``;
    located errors are input errors (exit 2). A file with neither an invariant nor a step
    property is one too: checking nothing must not read as OK (``the conjunction of 0
    invariants is inductive``)."""
    from ioakit.invariants import load_invariants

    invs = load_invariants(registry.find_invariant_file(path), m)
    if not invs.properties and not invs.steps:
        raise UsageError(f"{path}: nothing to check: the file has no `invariant` and no `step` item")
    return invs


def cmd_check(args: argparse.Namespace) -> int:
    from ioakit.invariants import check_invariants

    _refuse_existing_itf(args)
    m = _build_reporting_cost(args)
    invs = load_invariant_file(m, args.file)
    with _progress_line(args, f"check {m.name}", unit="states", total=args.max_states) as bar:
        report = check_invariants(
            m,
            invs,
            max_states=args.max_states,
            allow_bound_hits=args.allow_bound_hits,
            progress=_explore_progress(bar),
            max_memory=args.max_memory,
            workers=_workers_of(args),
            symmetry=args.symmetry,
            store=args.store,
            engine=args.engine,
            address=args.address,
            machine_ref=args.machine,
        )
    if args.itf and not report.explore.interrupted:  # after Ctrl-C nothing but the partial report is written
        _write_itf(args, "ioakit check", report.outcomes, None)
    _emit(args, report)
    return report.verdict.exit_code


def cmd_prove(args: argparse.Namespace) -> int:
    from ioakit.engines.prove import interruptible
    from ioakit.engines.table import lemma_table

    if args.cti_dot:  # a missing folder or an existing file is refused before the proof runs
        from ioakit.render import check_picture_path

        check_picture_path(args.cti_dot, args.force)
    m = build_machine(args.machine, args.scope, args.scope_file)
    invs = load_invariant_file(m, args.file)
    props = list(invs.properties)
    included = [p for p in props if p.name in invs.included]  # `include`d: support of the file's own
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {p.name for p in props} - {p.name for p in getattr(invs, "step_properties", ())}
        if unknown:
            raise UsageError(f"{args.file} has no invariant named {', '.join(sorted(unknown))}")
        props = [p for p in props if p.name in wanted]
    elif len(included) < len(props):
        props = [p for p in props if p.name not in invs.included]
    targets = {p.name for p in props}
    support = [p for p in included if p.name not in targets]
    support += _support_properties(m, args.support or [], [*props, *support])
    if args.table:
        with interruptible(), _progress_line(args, f"prove --table {m.name}", rate=False) as bar:
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
                progress=bar.note if bar.enabled else None,
            )
        text = t.to_markdown() if args.format == "markdown" else render_json(t)
        _emit(args, SimpleReport(t.verdict, t.to_json(), text, parts=(t,)))
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
    from ioakit.engines.prove import Outcome, Prover, settled

    limit = {} if args.explore_limit is None else {"explore_limit": args.explore_limit}
    prover = Prover(m, args.timeout, allow_bound_hits=args.allow_bound_hits, **limit)
    out: dict[str, Any] = {"machine": m.name, "scope": m.scope.as_dict(), "file": args.file}
    if support:
        out["support_files"] = list(args.support or [])
        out["support"] = [p.name for p in support]
    text: list[str] = []
    verdicts: list[Verdict] = []  # about the invariants: OK proved, VIOLATED a real violation, else UNKNOWN
    conclusions: list[str] = []
    parts: list[Any] = []  # the engines' results, for --junit
    proved = not_inductive = False
    step_ok = True
    interrupted: str | None = None  # the phase Ctrl-C stopped: the report says what was done before it
    phase = "BMC"
    try:
        if args.bmc is not None:
            bmc_progress = None
            if bar and bar.enabled:
                bmc_progress = lambda k, depth: bar.update(k, total=depth, note="BMC depth")  # noqa: E731
            b = prover.bmc(props, args.bmc, support=support, progress=bmc_progress)
            parts.append(b)
            out["bmc"] = b.to_json()
            text.append(b.show())
            verdicts.append(b.verdict)
            conclusions.append(_bmc_conclusion(b))
            proved = b.verdict is Verdict.OK and b.complete
            if b.interrupted:  # its partial report is in; stop here as Ctrl-C elsewhere does
                raise KeyboardInterrupt
        phase = "induction"
        if args.induction:
            if bar is not None:
                bar.note(f"induction on {len(props) + len(support)} invariant(s)")
            ind = prover.induction(props, support=support)
            parts.append(ind)
            out["induction"] = ind.to_json()
            text.append(ind.show())
            verdicts.append(ind.verdict)  # a CTI is not a violation: UNKNOWN (exit 3; ``Outcome.verdict``)
            conclusions.append(_induction_conclusion(ind))
            proved = proved or ind.outcome is Outcome.INDUCTIVE
            not_inductive = ind.outcome is Outcome.NOT_INDUCTIVE
            if ind.interrupted:
                raise KeyboardInterrupt
            phase = "the table of each invariant alone"
            alone: list[dict[str, Any]] = []
            out["per_invariant"] = alone  # the rows done, should Ctrl-C stop the table
            w = max([len("invariant"), *(len(p.name) for p in props)])
            if props:
                text.append(f"  {'invariant':<{w}}  inductive alone  support (smallest set of the others it needs)")
            for i, p in enumerate(props):
                if bar is not None:
                    bar.note(f"each invariant alone, {i + 1}/{len(props)}: {p.name}")
                a = settled(prover.inductive_alone(p))
                entry: dict[str, Any] = {"name": p.name, "inductive_alone": a.inductive.value}
                line = f"  {p.name:<{w}}  {_fmt_yes(a.inductive):<15}"
                if a.inductive is Verdict.VIOLATED and len(props) + len(support) > 1:
                    sup = prover.minimal_support([*props, *support], p)
                    entry["support"] = sup.to_json()
                    line += f"  {sup.describe()}"
                alone.append(entry)
                text.append(line.rstrip())
            if args.cti_dot and ind.ctis:
                from ioakit.render import witness_dot, write_picture

                write_picture(witness_dot(ind.ctis[0]), args.cti_dot, force=args.force)
                text.append(f"  counterexample to induction drawn in {args.cti_dot}")
        phase = "the step obligations"
        if steps:
            sr = prover.check_steps(steps, assume=[*props, *support])
            parts.append(sr)
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
    except BaseException as e:
        if not (isinstance(e, KeyboardInterrupt) or is_interrupt(e)):
            raise
        interrupted = phase
    if interrupted is not None:
        step_ok = False  # nothing that was not run is claimed
        conclusions.append(f"interrupted (Ctrl-C) during {interrupted}; later phases not run — a partial report")
    out["interrupted"] = interrupted is not None
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
    _emit(args, SimpleReport(verdict, out, "\n".join(text), parts=tuple(parts)))
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
    "baseline": cmd_baseline,
}


class _Parser(argparse.ArgumentParser):
    """argparse's parser, its usage errors printed through ``errors.printable`` (cut to 300
    characters a line, control characters escaped): argparse quotes the bad value, and a
    5,000-digit ``--seed`` or an escape sequence must not come back verbatim."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message, limit=300)}\n")


def make_parser() -> argparse.ArgumentParser:
    ap = _Parser(
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
    junit = argparse.ArgumentParser(add_help=False)  # for the commands that judge something
    junit.add_argument(
        "--junit", metavar="FILE", help="also write the result as JUnit XML to FILE (for CI; docs/ci.md)"
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", parents=[common], help="list the machines and their scope parameters")
    p.add_argument("machines", nargs="*", help="only these (names, path/to/model.py:Class or module:Class)")
    sub.add_parser(
        "papers", parents=[common, junit], help="the main job: check every bundled paper model, with a summary"
    )

    p = sub.add_parser("explore", parents=[common, junit], help="exhaustive breadth-first exploration of a machine")
    p.add_argument("machine")
    _scope_args(p)
    p.add_argument("--max-states", type=_int_at_least(1), help="stop with INCOMPLETE (exit 3) after this many states")
    p.add_argument(
        "--max-memory",
        type=_int_at_least(1),
        metavar="MB",
        help="stop with INCOMPLETE (exit 3) when the process's memory exceeds MB (default: 80%% of the machine's)",
    )
    p.add_argument(
        "--workers",
        type=_workers_arg,
        metavar="N",
        help="search on N processes, or 'auto': one per core (same states, verdicts and counterexample lengths; "
        "default 1; with --engine dask: N partitions, default one per worker of the cluster)",
    )
    _engine_args(p)
    _store_arg(p)
    p.add_argument("--max-depth", type=_int_at_least(0), help="stop with INCOMPLETE after this many BFS levels")
    p.add_argument("--no-invariants", action="store_true", help="only count states")
    p.add_argument(
        "--liveness",
        nargs="?",
        const=True,
        default=False,
        metavar="FILE",
        help="instead of the invariants: the liveness conclusions (the machine's own, e.g. DynaStore's Definition "
        "3.2, or FILE's invariants) in every quiescent state (no output or internal step enabled), and no cycle "
        "of steps: exact over every fair execution of the scope",
    )
    p.add_argument(
        "--progress",
        action="store_true",
        help="print what tracing and code generation cost, then progress, on stderr even when it is not a "
        "terminal (one line a second)",
    )
    _bound_args(p)
    _symmetry_arg(p)

    p = sub.add_parser("check", parents=[common, junit], help="check an invariant file on every reachable state")
    p.add_argument("machine")
    p.add_argument("file", help="invariant file (.inv), or the name of a shipped lemma file (e.g. vs_lemma_4_1)")
    _scope_args(p)
    p.add_argument("--max-states", type=_int_at_least(1), help="stop with INCOMPLETE (exit 3) after this many states")
    p.add_argument(
        "--max-memory",
        type=_int_at_least(1),
        metavar="MB",
        help="stop with INCOMPLETE (exit 3) when the process's memory exceeds MB (default: 80%% of the machine's)",
    )
    _store_arg(p)
    p.add_argument(
        "--workers",
        type=_workers_arg,
        metavar="N",
        help="search on N processes, or 'auto': one per core (same states, verdicts and counterexample lengths; "
        "default 1; with --engine dask: N partitions, default one per worker of the cluster)",
    )
    _engine_args(p)
    p.add_argument(
        "--progress",
        action="store_true",
        help="print what tracing and code generation cost, then progress, on stderr even when it is not a terminal",
    )
    p.add_argument("--itf", metavar="OUT", help="write the first counterexample as an ITF trace (traces/ITF.md)")
    p.add_argument("--force", action="store_true", help="overwrite --itf's file if it exists")
    _bound_args(p)
    _symmetry_arg(p)

    p = sub.add_parser("prove", parents=[common, junit], help="bounded proofs with Z3: BMC and induction (with CTIs)")
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

    p = sub.add_parser(
        "simulate", parents=[common, junit], help="seeded random simulation (for scopes too large to exhaust)"
    )
    p.add_argument("machine")
    _scope_args(p)
    p.add_argument("--steps", type=_int_at_least(0), default=100, help="steps per run")
    p.add_argument("--runs", type=_int_at_least(1), default=100, help="number of runs")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same runs)")
    p.add_argument(
        "--workers",
        type=_workers_arg,
        default=1,
        help="processes the runs are shared among, or 'auto': one per core (default 1); the result is the same for "
        "a seed whatever N is",
    )
    p.add_argument("--record", metavar="DIR", help="write every run as a trace file into DIR")
    p.add_argument(
        "--itf", metavar="OUT", help="write the first violating run (else run 0) as an ITF trace (traces/ITF.md)"
    )
    p.add_argument("--force", action="store_true", help="overwrite --itf's file if it exists")
    p.add_argument(
        "--shrink",
        action="store_true",
        help="on a violation, search Hypothesis-driven schedules and print the shrunk run as a reproducer",
    )
    p.add_argument("--no-invariants", action="store_true")
    _bound_args(p)

    p = sub.add_parser(
        "trace",
        parents=[common, junit],
        help="check a recorded trace file (traces/FORMAT.md) or an ITF trace (traces/ITF.md)",
    )
    p.add_argument("file", help="an ioakit trace (.jsonl) or an ITF trace (.json, .itf.json)")
    p.add_argument("--machine", help="ITF: the machine the trace must be an execution of (default: its #meta's)")
    _scope_args(p)
    p.add_argument("--invariants", metavar="FILE", help="ITF: also check this invariant file in every state")
    p.add_argument(
        "--ignore-actions", action="store_true", help="ITF: ignore mbt::actionTaken/nondetPicks (any action may step)"
    )
    p.add_argument("--to-itf", metavar="OUT", help="convert the ioakit trace FILE to an ITF trace OUT")
    p.add_argument("--force", action="store_true", help="overwrite --to-itf's file if it exists")

    p = sub.add_parser(
        "render",
        parents=[common],
        help="draw a state graph, a counterexample to induction (--cti) or a trace's message chart (TRACE.jsonl)",
    )
    p.add_argument("machine", metavar="MACHINE|TRACE.jsonl", help="a machine, or a trace file (name ending in .jsonl)")
    _scope_args(p)
    p.add_argument("-o", "--output", required=True, help="output file: .dot, .svg, .png or .pdf")
    p.add_argument(
        "--max-states", type=_int_at_least(1), default=200, help="refuse graphs larger than this (default 200)"
    )
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.add_argument("--no-invariants", action="store_true", help="do not mark violating states")
    p.add_argument("--invariants", metavar="FILE", help="mark the states violating this invariant file's invariants")
    p.add_argument("--vars", metavar="A,B", help="show only these variables of each state")
    p.add_argument("--hide-internal", action="store_true", help="contract internal steps (edges: τ* then one external)")
    p.add_argument("--project", metavar="VARS", help="collapse states with equal values of these variables")
    p.add_argument("--mapping", metavar="NAME", help="collapse states by a refinement mapping's f (e.g. vstoto-f)")
    p.add_argument("--around", metavar="STATE", help="only near this state: its number (s3) or a JSON object of values")
    p.add_argument("--radius", type=_int_at_least(0), default=1, help="with --around: steps either way (default 1)")
    p.add_argument(
        "--explore-limit",
        type=_int_at_least(1),
        default=100_000,
        help="states explored before narrowing (default 100,000)",
    )
    p.add_argument("--cti", metavar="FILE", help="draw the first counterexample to induction of FILE's invariants")
    p.add_argument("--only", help="with --cti: comma-separated invariant names to use")
    p.add_argument("--timeout", type=_positive_float, default=30.0, help="with --cti: seconds per Z3 check")
    p.add_argument(
        "--max-events", type=_int_at_least(1), default=200, help="for a trace: refuse longer ones (default 200)"
    )
    _bound_args(p)

    p = sub.add_parser("compare", parents=[common, junit], help="compare the finite-trace sets of two machines (exact)")
    p.add_argument("left")
    p.add_argument("right")
    _scope_args(p)
    _bound_args(p)

    p = sub.add_parser(
        "refine",
        parents=[common, junit],
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

    from ioakit.baseline import DEFAULT_MAX_STATES, DEFAULT_PATH

    p = sub.add_parser("baseline", help="record or check the exploration baseline of the shipped models")
    bsub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    b = bsub.add_parser("record", parents=[common], help="explore the shipped models and write the manifest")
    b.add_argument("-o", "--output", default=str(DEFAULT_PATH), help=f"the manifest to write (default {DEFAULT_PATH})")
    b.add_argument("--force", action="store_true", help="replace the manifest if it exists")
    b.add_argument("--machine", action="append", metavar="NAME", help="only this machine (repeatable)")
    b.add_argument(
        "--max-states",
        type=_int_at_least(1),
        default=DEFAULT_MAX_STATES,
        help=f"machines with more reachable states are recorded as skipped (default {DEFAULT_MAX_STATES:,})",
    )
    b = bsub.add_parser("check", parents=[common, junit], help="re-explore and name every drift from the manifest")
    b.add_argument("file", nargs="?", default=str(DEFAULT_PATH), help=f"the manifest (default {DEFAULT_PATH})")
    b.add_argument("--machine", action="append", metavar="NAME", help="only this machine of the manifest (repeatable)")
    return ap


def error_text(command: str, message: str) -> str:
    """The stderr text of an input error: ``ioakit COMMAND: error: MESSAGE``.

    A located message (``file:line:col: error: …``, the invariant DSL's format) already says
    ``error:``; it gets only the ``ioakit COMMAND:`` prefix, so the word is not printed twice.
    The message is made ``printable``: user text it quotes shows control characters escaped and
    overlong lines cut.
    """
    message = printable(message, keep_tabs=True)
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
    if getattr(args, "junit", None):  # a missing folder is refused before a long check runs
        from ioakit.junit import check_writable

        try:
            check_writable(args.junit)
        except UserError as e:
            print(error_text(args.command, str(e)), file=sys.stderr)
            return EXIT_USAGE
    with _sigterm_as_interrupt(), _quiet_half_built_z3_terms():
        code = _run_command(args)
    _forget_handled_interrupts()
    return code


def _forget_handled_interrupts() -> None:
    """Clear CPython's record of a KeyboardInterrupt that escaped an ``exec`` of a string, once the
    command has handled every interrupt (its partial report is printed, its exit status chosen).

    CPython (3.11) sets a process-wide flag whenever a KeyboardInterrupt leaves code run by
    ``exec(some_string)`` — which ``dataclasses`` and ``namedtuple`` do to build their methods, so
    Ctrl-C landing while a module defining dataclasses is imported (early in a command) sets it —
    even when the interrupt is then caught. Under ``python -m ioakit`` the interpreter checks the
    flag at exit and kills itself with SIGINT: exit -2 after the INCOMPLETE report, instead of 3
    (reproduced: 6 of 60 runs signalled 0-0.15 s after the command started). The flag is reset at
    the start of every ``exec`` of a string, so running an empty one clears it."""
    exec("pass")  # a constant: resets the flag described above


def entry() -> NoReturn:
    """The ``ioakit`` console script and ``python -m ioakit``: :func:`main`, then the process
    ends at once with its status. Python's own teardown frees every object one by one — over 2 s
    after a proof of VStoTO-system interrupted while its invariants were compiled — so the
    process would outlive its report by that much (a Ctrl-C must end it within a second). Nothing
    is pending at that point: every file was written atomically and closed, and the two output
    streams are flushed here. A Ctrl-C landing after the report (as ``main`` returns) changes
    nothing: the status is the report's."""
    code = EXIT_INTERNAL
    try:
        code = main()
    except KeyboardInterrupt:  # after main's own handling: its report is already out
        code = EXIT_UNKNOWN
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):  # a closed pipe, or Ctrl-C again
                stream.flush()
    os._exit(code)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a CI runner's timeout, a container stop) is handled as Ctrl-C: the
    command stops with its partial report, INCOMPLETE, exit 3, instead of dying without one. Only
    in the main thread (where Python allows signal handlers); the previous handler is restored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _is_half_built_z3_term(unraisable: Any) -> bool:
    """Whether an exception ignored by Python is z3's ``AstRef.__del__`` failing on a term whose
    ``__init__`` a Ctrl-C cut short before it set ``ctx`` (``'BoolSortRef' object has no attribute
    'ctx'``): the term was never registered with Z3, so there is nothing to release and nothing to
    report."""
    obj = unraisable.object
    return (
        unraisable.exc_type is AttributeError
        and getattr(obj, "__name__", None) == "__del__"
        and str(getattr(obj, "__module__", "")).split(".")[0] == "z3"
        and getattr(unraisable.exc_value, "name", None) == "ctx"
    )


@contextlib.contextmanager
def _quiet_half_built_z3_terms() -> Iterator[None]:
    """While a command runs, the one exception Python would print as "Exception ignored in ...
    Traceback" after a Ctrl-C landing inside z3 (see :func:`_is_half_built_z3_term`) is dropped;
    every other ignored exception is printed as before. Seen on CI: a SIGTERM to ``prove --bmc``
    printed that traceback under its INCOMPLETE report."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if not _is_half_built_z3_term(unraisable):
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _run_command(args: argparse.Namespace) -> int:
    """Run the parsed command; errors and interrupts become exit statuses (see ``main``)."""
    try:
        return COMMANDS[args.command](args)
    except UserError as e:
        print(error_text(args.command, str(e)), file=sys.stderr)
        _junit_error(args, "INPUT ERROR", str(e))
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
        text = (
            f"ioakit {args.command}: internal error: {type(e).__name__}: {e} — please report it with the command "
            "line (IOAKIT_DEBUG=1 shows the traceback)"
        )
        print(text, file=sys.stderr)
        _junit_error(args, "INTERNAL ERROR", text)
        return EXIT_INTERNAL


def _junit_error(args: argparse.Namespace, kind: str, message: str) -> None:
    """With ``--junit``, a command stopped by an error still leaves a JUnit file, one error case
    saying why: CI must not read a stale file from an earlier run as this run's result."""
    if not getattr(args, "junit", None):
        return
    from ioakit.junit import JUnitCase, JUnitSuite, write_junit

    case = JUnitCase(args.command, f"ioakit.{args.command}", Verdict.UNKNOWN, message.splitlines()[0], message)
    case = dataclasses.replace(case, error_type=kind)
    try:
        write_junit(args.junit, [JUnitSuite(f"ioakit {args.command}", (case,))], name=f"ioakit {args.command}")
    except (UserError, OSError) as e:
        print(error_text(args.command, f"cannot write the JUnit file: {e}"), file=sys.stderr)


def _report_interrupt(args: argparse.Namespace) -> None:
    """Ctrl-C outside an engine that reports partial results itself: nothing was established."""
    text = "INCOMPLETE — interrupted (Ctrl-C) before a result; nothing is claimed"
    try:
        report = SimpleReport(Verdict.INCOMPLETE, {"command": args.command, "interrupted": True, "reason": text})
        if getattr(args, "junit", None):  # CI still gets a file, and it does not read as a pass
            from ioakit.junit import suites_for, write_junit

            try:
                write_junit(args.junit, suites_for(report, args.command), name=f"ioakit {args.command}")
            except UserError as e:
                print(error_text(args.command, str(e)), file=sys.stderr)
        if getattr(args, "json", False):
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
