"""The registry: one entry (a ``Paper`` bundle) per paper, and the one door through which every
machine — shipped or the user's own — is found.

The command line, the main job (``ioakit papers``), ``ioakit trace`` and the pytest plugin look
everything up here and never name a paper. A paper's bundle says what it ships: its machines
(specifications and implementations), its invariant files, the Python properties checked on
every explored state by default, its trace checkers (by the ``automaton`` of a trace header), its
refinement mappings, and the claims the main job checks with their scopes and expected outcomes.

Adding a paper is adding its files and one bundle to ``BUILTIN_PAPERS`` (or, from another
distribution, an entry point in the ``ioakit.papers`` group naming a ``Paper`` object). A user's
own machine needs no registration at all: every command that takes a machine also takes

* ``path/to/model.py:ClassName`` — a ``Spec`` subclass in a Python file (the file is imported
  as a module: models are code the user wrote, unlike invariant files and traces, which are
  data and are only ever parsed);
* ``package.module:ClassName`` — the same, from an importable module;
* the name of an entry point in the ``ioakit.machines`` group.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ioakit.errors import UserError
from ioakit.results import Verdict

if TYPE_CHECKING:
    from ioakit.engines.explore import Property
    from ioakit.lang.automaton import Machine, Spec

BUILTIN_PAPERS = ("ioakit.specs.fls", "ioakit.specs.paxos", "ioakit.specs.dynastore")
"""Modules whose ``PAPER`` attribute is a shipped paper bundle, in the order ``ioakit list`` shows them."""

PAPERS_GROUP = "ioakit.papers"
_USER_PREFIX = "ioakit_user_model_"
MACHINES_GROUP = "ioakit.machines"


class RegistryError(UserError):
    """A machine, invariant file or trace checker that cannot be found or loaded (exit 2)."""


@dataclass(frozen=True)
class TraceCheck:
    """A checker for traces whose header names one of ``automata``.

    ``check(header, events)`` judges the trace (``events`` is an iterable read lazily from the
    file) and returns an object with ``holds`` and ``properties`` (each with ``name``, ``holds``,
    ``event_index``, ``explanation``); ``claim`` says in words what is judged.
    """

    automata: tuple[str, ...]
    claim: str
    check: Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Claim:
    """One check of the main job: a paper's claim at a stated scope, with the expected verdict.

    ``run()`` returns a ``JobResult`` (``ioakit.papers``). ``expected`` is the verdict the
    project has documented for it: OK for a claim that holds, VIOLATED for a claim ioakit found
    false (an *expected finding*: the main job stays green while it reports it, and turns red if
    the finding ever changes).
    """

    name: str
    run: Callable[[], Any]
    expected: Verdict = Verdict.OK
    fixed_by: str | None = None
    """For a claim documented as refuted: the claim (by name) that checks the named fixed variant
    beside it, shown next to the finding."""


@dataclass(frozen=True)
class Paper:
    """Everything ioakit ships for one paper."""

    key: str
    """Short name (``fls``): the folder name under ``specs/``, ``impl/``, ``invariants/``, ``traces/``."""
    title: str
    citation: str
    machines: tuple[type[Spec], ...] = ()
    invariant_files: Mapping[str, Path] = field(default_factory=dict)
    """Shipped invariant files by name (``vs_lemma_4_1``), usable wherever a file path is."""
    properties: Mapping[str, Callable[[Machine], list[Property]]] = field(default_factory=dict)
    """Machine name → the properties ``explore``/``simulate``/``render`` check by default."""
    trace_checks: tuple[TraceCheck, ...] = ()
    liveness: Mapping[str, Callable[[Machine], list[Property]]] = field(default_factory=dict)
    """Machine name → the liveness conclusions ``explore --liveness`` checks in every quiescent
    state (``ioakit.engines.quiescence``)."""
    mappings: Mapping[str, Any] = field(default_factory=dict)
    """Refinement mappings by name (none shipped yet)."""
    claims: Callable[[], list[Claim]] = field(default=lambda: [])
    """The main job's checks for this paper, cheap ones first."""


def lazy_bundle(
    module: str, build: Callable[[], Paper], lazy: Mapping[str, tuple[str, str]] = {}
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for a paper's bundle whose ``PAPER`` is built on first use (its
    algorithms import the bundle's package, so importing them when the package loads would be
    circular); ``lazy`` maps further names to ``(module, attribute)`` imported on first use."""
    built: list[Paper] = []

    def __getattr__(name: str) -> Any:
        if name == "PAPER":
            if not built:
                built.append(build())
            return built[0]
        if name in lazy:
            mod, attr = lazy[name]
            return getattr(importlib.import_module(mod), attr)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def _load_paper(module: str) -> Paper:
    mod = importlib.import_module(module)
    paper = getattr(mod, "PAPER", None)
    if not isinstance(paper, Paper):
        raise RegistryError(f"{module} has no PAPER bundle")
    return paper


@cache
def papers() -> tuple[Paper, ...]:
    """The shipped papers, then those of installed distributions (entry points ``ioakit.papers``)."""
    out = [_load_paper(m) for m in BUILTIN_PAPERS]
    for ep in entry_points(group=PAPERS_GROUP):
        try:
            p = ep.load()
        except Exception as e:  # a broken third-party plugin must not break the shipped papers
            raise RegistryError(
                f"entry point {ep.name!r} ({ep.value}) of group {PAPERS_GROUP} failed to load: {e}"
            ) from e
        if not isinstance(p, Paper):
            raise RegistryError(f"entry point {ep.name!r} of group {PAPERS_GROUP} is not an ioakit.registry.Paper")
        out.append(p)
    keys = [p.key for p in out]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise RegistryError(f"two paper bundles share the key(s) {', '.join(sorted(dup))}")
    return tuple(out)


def machine_classes() -> dict[str, type[Spec]]:
    """Every registered machine by name (papers' machines, then ``ioakit.machines`` entry points)."""
    out: dict[str, type[Spec]] = {}
    for p in papers():
        for cls in p.machines:
            out[cls.name] = cls
    for ep in entry_points(group=MACHINES_GROUP):
        out.setdefault(ep.name, _checked_spec_class(ep.load, f"entry point {ep.name!r} ({ep.value})"))
    return out


def user_machine_names() -> list[str]:
    """Names of the machines defined in users' model files imported so far (``file.py:Class``
    references), so that an invariant file's ``machine`` line may name a sibling of the machine
    it is loaded for (``machine TwoPhaseCommit, EagerCommit``)."""
    out = []
    for mod_name, mod in list(sys.modules.items()):
        if mod_name.startswith(_USER_PREFIX):
            out.extend(v.name for v in vars(mod).values() if isinstance(v, type) and _is_spec(v))
    return out


def paper_of(machine_name: str) -> Paper | None:
    """The bundle that ships the machine named ``machine_name`` (case-insensitive), if any."""
    for p in papers():
        if any(c.name.lower() == machine_name.lower() for c in p.machines):
            return p
    return None


def _checked_spec_class(load: Callable[[], Any], what: str) -> type[Spec]:
    from ioakit.lang.automaton import Spec

    try:
        obj = load()
    except RegistryError:
        raise
    except Exception as e:
        raise RegistryError(f"{what}: {type(e).__name__}: {e}") from e
    if not (isinstance(obj, type) and issubclass(obj, Spec)):
        raise RegistryError(f"{what} is not a Spec subclass (got {type(obj).__name__} {obj!r:.60})")
    return obj


def _import_file(path: Path) -> Any:
    """Import a user's Python file as a module named after its resolved path (so two files with
    the same base name do not collide, and re-importing the same file returns the same module)."""
    resolved = path.resolve()
    name = _USER_PREFIX + "".join(c if c.isalnum() else "_" for c in str(resolved))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise RegistryError(f"{path}: cannot be imported as a Python module")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    sys.path.insert(0, str(resolved.parent))  # the model may import its neighbours
    try:
        spec.loader.exec_module(mod)
    except SyntaxError as e:
        del sys.modules[name]
        raise RegistryError(f"{e.filename}:{e.lineno}:{e.offset}: syntax error in model file: {e.msg}") from None
    except Exception as e:
        del sys.modules[name]
        raise RegistryError(f"{path}: importing the model file failed: {type(e).__name__}: {e}") from e
    finally:
        sys.path.remove(str(resolved.parent))
    return mod


def _split_reference(ref: str) -> tuple[str, str] | None:
    """``path.py:Class`` or ``module:Class`` → (left, class name); None for a plain name."""
    if ":" not in ref:
        return None
    left, _, cls = ref.rpartition(":")
    if not left or not cls.isidentifier():
        return None
    return left, cls


def import_reference(ref: str) -> tuple[Any, str] | None:
    """For ``path/to/file.py:Class`` or ``module:Class``: the imported module and the class name
    (None for a plain name). Users' machines and refinement mappings are given this way."""
    split = _split_reference(ref)
    if split is None:
        return None
    left, cls_name = split
    if left.endswith(".py") or "/" in left or Path(left).exists():
        path = Path(left)
        if not path.is_file():
            raise RegistryError(f"{ref}: no such model file {left!r}")
        return _import_file(path), cls_name
    try:
        return importlib.import_module(left), cls_name
    except ImportError as e:
        raise RegistryError(f"{ref}: cannot import module {left!r}: {e}") from None


def spec_class(ref: str) -> type[Spec]:
    """Resolve a machine reference (a registered name, ``file.py:Class``, ``module:Class`` or an
    entry point) to its ``Spec`` class; ``RegistryError`` (exit 2) says what is known."""
    imported = import_reference(ref)
    if imported is not None:
        mod, cls_name = imported
        left = ref.rpartition(":")[0]
        if not hasattr(mod, cls_name):
            found = sorted(n for n, v in vars(mod).items() if isinstance(v, type) and _is_spec(v))
            hint = f"; Spec classes there: {', '.join(found)}" if found else "; it defines no Spec subclass"
            raise RegistryError(f"{ref}: {left} has no attribute {cls_name!r}{hint}")
        return _checked_spec_class(lambda: getattr(mod, cls_name), ref)
    known = machine_classes()
    for name, cls in known.items():
        if name.lower() == ref.lower():
            return cls
    close = difflib.get_close_matches(ref, list(known), n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise RegistryError(
        f"unknown machine {ref!r}{hint} (known machines: {', '.join(known)}; "
        "or give your own as path/to/model.py:ClassName or package.module:ClassName)"
    )


def _is_spec(v: type) -> bool:
    from ioakit.lang.automaton import Spec

    return issubclass(v, Spec) and v is not Spec


def get_spec(ref: str) -> Spec:
    """An instance of the machine ``ref`` names (see ``spec_class``)."""
    return spec_class(ref)()


def default_properties(m: Machine) -> list[Property]:
    """The properties the machine's paper checks on every explored state by default (none for a
    machine no bundle claims, e.g. a user's own: give those an invariant file)."""
    for p in papers():
        if m.name in p.properties:
            return p.properties[m.name](m)
    return []


def liveness_conclusions(m: Machine) -> list[Property] | None:
    """The liveness conclusions the machine's paper gives it (``Paper.liveness``), or None when it
    gives none."""
    for p in papers():
        if m.name in p.liveness:
            return p.liveness[m.name](m)
    return None


def invariant_files() -> dict[str, Path]:
    """Every shipped invariant file by name, across papers."""
    out: dict[str, Path] = {}
    for p in papers():
        out.update(p.invariant_files)
    return out


def invariant_file(name: str) -> Path:
    """The shipped invariant file called ``name`` (``vs_lemma_4_1``, with or without ``.inv``)."""
    files = invariant_files()
    key = name[:-4] if name.endswith(".inv") else name
    if key not in files:
        raise RegistryError(f"no shipped invariant file {name!r}; shipped: {', '.join(sorted(files))}")
    return files[key]


def find_invariant_file(ref: str | Path) -> Path:
    """An invariant file given as a path that exists, or else as the name of a shipped one (what
    every command and the pytest fixture accept wherever an invariant file is asked for)."""
    path = Path(ref)
    if path.exists():
        return path
    try:
        return invariant_file(str(ref))
    except RegistryError as e:
        raise RegistryError(f"{ref}: no such invariant file ({e})") from None


def trace_check(automaton: str) -> TraceCheck:
    """The registered checker for traces of ``automaton`` (the trace header's field)."""
    names: list[str] = []
    for p in papers():
        for tc in p.trace_checks:
            names.extend(tc.automata)
            if automaton in tc.automata:
                return tc
    raise RegistryError(f"no trace checker for automaton {automaton!r}; registered: {', '.join(names)}")


@dataclass(frozen=True)
class InterruptedTraceCheck:
    """What ``judge_trace_file`` returns when Ctrl-C stopped the checker: how many events had
    been read — each checked as an action of the header's automaton at its scope — and no
    property judged (a checker judges its properties at the end of the trace: a prefix's verdict
    would need the checker to run to the prefix's end), so the verdict is INCOMPLETE."""

    automaton: str
    events_read: int
    properties: tuple[Any, ...] = ()
    assumptions: tuple[Any, ...] = ()
    holds: bool = False
    verdict: Verdict = Verdict.INCOMPLETE
    interrupted: bool = True

    @property
    def explanation(self) -> str:
        """The partial report in words."""
        return (
            f"interrupted (Ctrl-C) after the first {self.events_read:,} events were read (file lines 2–"
            f"{self.events_read + 1:,}), each a well-formed action of {self.automaton} at its scope; the rest of "
            "the file was not read and no property was judged: nothing is claimed"
        )


class _Counted:
    """An iterable of events counting how many were taken (for an interrupted check's report)."""

    def __init__(self, events: Any) -> None:
        self.events = events
        self.taken = 0

    def __iter__(self) -> Iterator[Any]:
        for e in self.events:
            yield e
            self.taken += 1


def judge_trace_file(path: str) -> tuple[Any, TraceCheck, Any]:
    """Read the trace file ``path`` and judge it with the checker registered for its automaton:
    ``(header, checker, result)``. Every problem is an input error naming the file: one it
    cannot read, an automaton without a checker, and a malformed line — also one found by a
    checker reading events that carry no path (located in the file), or a header the checker
    cannot use (line 1), and an event that is not an action of the header's automaton at its
    scope (``ioakit.traces.validate``, checked before the checker sees it). ``ioakit trace`` and
    ``ioakit.testing.assert_trace`` both judge through it. Ctrl-C (or SIGTERM, turned into it
    by ``ioakit.cli.main``) while the checker runs gives an ``InterruptedTraceCheck``."""
    from ioakit.traces import TraceFormatError, read_trace

    try:
        header, events = read_trace(path)
    except OSError as e:  # not an ioakit error: the file system's, said as an input error
        raise RegistryError(f"{path}: {e.strerror}") from None
    try:
        checker = trace_check(header.automaton)
    except RegistryError as e:  # the header's "automaton" is at fault: name its line
        raise TraceFormatError(path, 1, str(e)) from None
    from ioakit.traces.validate import validated_events

    counted = _Counted(validated_events(header, events, path))
    try:
        # every event checked against the header's automaton before any property is judged
        result = checker.check(header, counted)
    except KeyboardInterrupt:
        result = InterruptedTraceCheck(header.automaton, counted.taken)
    except TraceFormatError as e:
        if e.path == path:
            raise
        raise TraceFormatError(path, e.line, e.message) from None
    except ValueError as e:  # a header the checker cannot read (e.g. no initial members): line 1
        if isinstance(e, UserError):
            raise
        raise TraceFormatError(path, 1, str(e)) from None
    except OSError as e:
        raise RegistryError(f"{path}: {e.strerror}") from None
    return header, checker, result


def claims() -> Iterator[tuple[Paper, Claim]]:
    """The main job's checks: each paper's claims in registry order."""
    for p in papers():
        for c in p.claims():
            yield p, c


def describe(ref_or_cls: str | type[Spec]) -> dict[str, Any]:
    """What ``ioakit list`` shows for one machine (also for a user's own)."""
    cls = spec_class(ref_or_cls) if isinstance(ref_or_cls, str) else ref_or_cls
    spec = cls()
    doc = (cls.__doc__ or "").strip()
    paper = paper_of(cls.name)
    return {
        "name": cls.name,
        "paper": paper.key if paper else None,
        "source": spec.source,
        "doc": doc.splitlines()[0] if doc else "",
        "parameters": [{"name": p.name, "default": p.default, "min": p.min, "help": p.help} for p in spec.parameters],
    }
