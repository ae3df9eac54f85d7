"""Baselines (``ioakit baseline record`` / ``check``): what exploring the shipped models says
today, recorded in a checked-in manifest, and every drift from it named.

A change to the language, the backends or a paper's model can change what exploration finds
without any test noticing: a state count, a depth, a verdict. The manifest
(``baselines/shipped.json``) pins, for each registered machine (``registry.machine_classes``)
explored at its default scope with its paper's default properties (``registry.default_properties``):
the scope, the numbers of states, transitions and deadlocks, the depth, whether the exploration
was complete, its verdict, and each default property's verdict. No timings, no versions: only
what must not change unless someone meant it to. ``check`` re-runs the same explorations and
reports each difference as a drift (machine, field, recorded value, value now); a machine that is
registered but not in the manifest, or in it but no longer registered, is a drift too.

**Which machines** (the documented rule): every registered machine, explored with a state budget
(``max_states`` in the manifest, 500,000 by default: the limit at which the prover also stops
exploring). A machine with more reachable states than the budget at its default scope is recorded
as *skipped* (with the budget it exceeded) and not re-explored by ``check``, which keeps the check
of every shipped model to well under two minutes on a 2-core machine (34 s on 2026-12-02); at the
time of writing that is Figure 5 of *Deconstructing Paxos* (993,613 states) with its eight seeded
bugs, and one seeded bug of Figure 7 (10 of 35 machines). The main job (``ioakit papers``) checks
Figure 5 at the scopes of its claims.

A manifest is JSON with sorted keys, written atomically (``ioakit.files``); it is data, read with
``json`` and validated field by field: a malformed one is a ``UserError`` (exit 2) naming the file
and what is wrong.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ioakit.errors import UserError
from ioakit.results import Verdict

FORMAT = "ioakit-baseline"
VERSION = 1
DEFAULT_MAX_STATES = 500_000
DEFAULT_PATH = Path("baselines") / "shipped.json"
RULE = (
    "every registered machine (ioakit list) explored at its default scope with its paper's default "
    "properties; a machine with more than max_states reachable states there is recorded as skipped "
    "and not re-explored by `ioakit baseline check`"
)
FIELDS = ("scope", "states", "transitions", "depth", "deadlocks", "complete", "verdict", "properties")
"""The recorded fields of an explored machine, in the order drifts are reported."""


class BaselineError(UserError):
    """A manifest that is missing, not JSON, or not a baseline manifest (exit 2)."""


@dataclass(frozen=True)
class Drift:
    """One difference between the manifest and now: ``machine``'s ``field`` was ``recorded`` and
    is ``now`` (``None`` for a value absent on that side)."""

    machine: str
    field: str
    recorded: Any
    now: Any

    def show(self) -> str:
        def text(v: Any) -> str:
            return "(absent)" if v is None else json.dumps(v, sort_keys=True, ensure_ascii=False)

        return f"{self.machine}: {self.field}: recorded {text(self.recorded)}, now {text(self.now)}"

    def to_json(self) -> dict[str, Any]:
        return {"machine": self.machine, "field": self.field, "recorded": self.recorded, "now": self.now}


def explore_entry(name: str, max_states: int) -> dict[str, Any]:
    """What the manifest records of machine ``name``: explored at its default scope with its
    default properties, within ``max_states`` (beyond it: ``{"scope", "skipped"}``)."""
    from ioakit import registry
    from ioakit.engines.explore import Explorer

    m = registry.get_spec(name).build({})
    r = Explorer(m).check(registry.default_properties(m)).max_states(max_states).run()
    if r.interrupted:
        raise KeyboardInterrupt
    scope = dict(m.scope.as_dict())
    if not r.complete and (r.reason or "").startswith("max-states"):
        return {"scope": scope, "skipped": f"more than {max_states:,} reachable states at the default scope"}
    return {
        "scope": scope,
        "states": r.states,
        "transitions": r.transitions,
        "depth": r.depth,
        "deadlocks": r.deadlocks,
        "complete": r.complete,
        "verdict": r.verdict.value,
        "properties": {x.name: x.verdict.value for x in r.results},
    }


def shipped_machines() -> list[str]:
    """The registered machines, in registry order (``ioakit list``)."""
    from ioakit import registry

    return list(registry.machine_classes())


def _selected(wanted: Sequence[str] | None, known: Iterable[str], where: str) -> list[str]:
    """``known`` in its order, or only the ``wanted`` ones (each must be known: else exit 2)."""
    names = list(known)
    if not wanted:
        return names
    by_lower = {n.lower(): n for n in names}
    missing = [w for w in wanted if w.lower() not in by_lower]
    if missing:
        raise UserError(f"{', '.join(missing)}: not {where} (known: {', '.join(names)})")
    chosen = {by_lower[w.lower()] for w in wanted}
    return [n for n in names if n in chosen]


def record(
    machines: Sequence[str] | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """A new manifest: every registered machine (or only ``machines``) explored (module docstring)."""
    names = _selected(machines, shipped_machines(), "a registered machine")
    entries: dict[str, Any] = {}
    for n in names:
        entries[n] = explore_entry(n, max_states)
        if progress is not None:
            progress(n, entries[n])
    return {"format": FORMAT, "version": VERSION, "rule": RULE, "max_states": max_states, "machines": entries}


def manifest_text(manifest: dict[str, Any]) -> str:
    """The manifest as written: JSON, sorted keys, two-space indent, a final newline."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _check_entry(path: str, name: str, e: Any) -> None:
    where = f"{path}: machine {name!r}"
    if not isinstance(e, dict):
        raise BaselineError(f"{where}: expected an object, got {type(e).__name__}")
    if not isinstance(e.get("scope"), dict) or not all(
        isinstance(k, str) and isinstance(v, int) for k, v in e["scope"].items()
    ):
        raise BaselineError(f"{where}: 'scope' must be an object of integers")
    if "skipped" in e:
        if not isinstance(e["skipped"], str):
            raise BaselineError(f"{where}: 'skipped' must be a string (why)")
        return
    for k in ("states", "transitions", "depth", "deadlocks"):
        if not isinstance(e.get(k), int) or isinstance(e.get(k), bool):
            raise BaselineError(f"{where}: {k!r} must be an integer")
    if not isinstance(e.get("complete"), bool):
        raise BaselineError(f"{where}: 'complete' must be true or false")
    verdicts = {v.value for v in Verdict}
    if e.get("verdict") not in verdicts:
        raise BaselineError(f"{where}: 'verdict' must be one of {', '.join(sorted(verdicts))}")
    props = e.get("properties")
    if not isinstance(props, dict) or not all(isinstance(v, str) and v in verdicts for v in props.values()):
        raise BaselineError(f"{where}: 'properties' must map property names to verdicts")


def load_manifest(path: str | Path) -> dict[str, Any]:
    """Read and validate a manifest (``BaselineError``, exit 2, on anything wrong with it)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{p}: no such baseline manifest (write one with `ioakit baseline record`)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"{p}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise BaselineError(f"{p}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BaselineError(f'{p}: not an ioakit baseline manifest (no "format": "{FORMAT}")')
    if data.get("version") != VERSION:
        raise BaselineError(f"{p}: baseline manifest version {data.get('version')!r}; this ioakit reads {VERSION}")
    ms = data.get("max_states")
    if not isinstance(ms, int) or isinstance(ms, bool) or ms < 1:
        raise BaselineError(f"{p}: 'max_states' must be a positive integer")
    if not isinstance(data.get("machines"), dict):
        raise BaselineError(f"{p}: 'machines' must be an object (machine name → what was recorded)")
    for name, e in data["machines"].items():
        _check_entry(str(p), name, e)
    return data


def compare_entry(name: str, recorded: dict[str, Any], now: dict[str, Any]) -> list[Drift]:
    """The drifts of one machine: each recorded field (per property for ``properties``) that differs."""
    if "skipped" in recorded or "skipped" in now:
        if ("skipped" in recorded) != ("skipped" in now):
            return [Drift(name, "skipped", recorded.get("skipped"), now.get("skipped"))]
        return [Drift(name, "scope", recorded["scope"], now["scope"])] if recorded["scope"] != now["scope"] else []
    out = []
    for f in FIELDS:
        if f == "properties":
            rp, np = recorded["properties"], now["properties"]
            for p in sorted(set(rp) | set(np)):
                if rp.get(p) != np.get(p):
                    out.append(Drift(name, f"properties.{p}", rp.get(p), np.get(p)))
        elif recorded[f] != now[f]:
            out.append(Drift(name, f, recorded[f], now[f]))
    return out


@dataclass(frozen=True)
class BaselineReport:
    """``ioakit baseline check``: the machines re-explored, skipped, and every drift found (a
    ``Report``: OK no drift, VIOLATED some drift, INCOMPLETE when interrupted)."""

    file: str
    checked: tuple[str, ...]
    skipped: tuple[str, ...]
    drifts: tuple[Drift, ...]
    now: dict[str, Any] = field(default_factory=dict, repr=False)
    interrupted: bool = False
    seconds: dict[str, float] = field(default_factory=dict, repr=False)
    """How long each machine's exploration took now (shown in JUnit; never recorded)."""

    @property
    def verdict(self) -> Verdict:
        if self.drifts:
            return Verdict.VIOLATED
        # nothing compared (every machine asked for is recorded as skipped) is not a passing check
        return Verdict.INCOMPLETE if self.interrupted or not self.checked else Verdict.OK

    def show(self) -> str:
        lines = [f"baseline {self.file}: {len(self.checked)} machines re-explored, {len(self.skipped)} skipped"]
        by_machine: dict[str, list[Drift]] = {}
        for d in self.drifts:
            by_machine.setdefault(d.machine, []).append(d)
        for n in self.checked:
            e = self.now.get(n, {})
            word = "DRIFT" if n in by_machine else "same"
            figures = f"{e['states']:,} states, depth {e['depth']}, {e['verdict']}" if "states" in e else ""
            lines.append(f"  {word:<6} {n}  {figures}".rstrip())
        for n in self.skipped:
            lines.append(f"  skip   {n}  (recorded as skipped: not re-explored)")
        for d in self.drifts:
            lines.append(f"  drift: {d.show()}")
        if self.interrupted:
            lines.append("  interrupted (Ctrl-C): the remaining machines were not re-explored")
        incomplete = (
            "interrupted; no drift among the machines re-explored"
            if self.interrupted
            else "no machine was re-explored: every one asked for is recorded as skipped (too large)"
        )
        summary = {
            Verdict.OK: "OK — every machine re-explored matches the baseline",
            Verdict.VIOLATED: f"VIOLATED — {len(self.drifts)} drift(s) from the baseline "
            "(re-record with `ioakit baseline record --force` if they are meant)",
            Verdict.INCOMPLETE: f"INCOMPLETE — {incomplete}",
        }[self.verdict]
        lines.append(f"verdict: {summary}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "verdict": self.verdict.value,
            "checked": list(self.checked),
            "skipped": list(self.skipped),
            "drifts": [d.to_json() for d in self.drifts],
            "now": self.now,
            "interrupted": self.interrupted,
        }

    def junit_suites(self) -> list[Any]:
        """One JUnit case per machine re-explored (a drift a failure listing every drift of it;
        a machine missing on either side a failure of its own); skipped ones as a suite property."""
        from ioakit.junit import JUnitCase, JUnitSuite

        cases = []
        names = list(self.checked) + sorted({d.machine for d in self.drifts} - set(self.checked))
        for n in names:
            ds = [d for d in self.drifts if d.machine == n]
            if ds:
                text = "\n".join(d.show() for d in ds)
                t = self.seconds.get(n, 0.0)
                cases.append(JUnitCase(n, "ioakit.baseline", Verdict.VIOLATED, f"VIOLATED: {ds[0].show()}", text, t))
            else:
                cases.append(JUnitCase(n, "ioakit.baseline", Verdict.OK, seconds=self.seconds.get(n, 0.0)))
        if self.interrupted:
            why = "interrupted (Ctrl-C): the remaining machines were not re-explored"
            cases.append(JUnitCase("completeness", "ioakit.baseline", Verdict.INCOMPLETE, f"INCOMPLETE: {why}", why))
        elif not self.checked:
            why = "no machine was re-explored: every one asked for is recorded as skipped (too large)"
            cases.append(JUnitCase("completeness", "ioakit.baseline", Verdict.INCOMPLETE, f"INCOMPLETE: {why}", why))
        props = (("command", "ioakit baseline check"), ("file", self.file), ("skipped", ", ".join(self.skipped)))
        return [JUnitSuite(f"baseline {self.file}", tuple(cases), sum(self.seconds.values()), props)]


def check(
    path: str | Path,
    machines: Sequence[str] | None = None,
    progress: Callable[[str, list[Drift]], None] | None = None,
) -> BaselineReport:
    """Re-explore the machines of the manifest at ``path`` (or only ``machines``, which must be in
    it) and compare; without a selection, machines registered but not recorded (and recorded but
    no longer registered) are drifts too. Ctrl-C gives the partial report (INCOMPLETE)."""
    data = load_manifest(path)
    recorded: dict[str, Any] = data["machines"]
    registered = shipped_machines()
    drifts: list[Drift] = []
    names = _selected(machines, recorded, f"in the baseline {path}")
    if not machines:
        for n in registered:
            if n not in recorded:
                drifts.append(Drift(n, "machine", None, "registered, not in the baseline"))
    checked: list[str] = []
    skipped: list[str] = []
    now: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    interrupted = False
    for n in names:
        if n not in registered:
            drifts.append(Drift(n, "machine", "recorded", None))
            continue
        if "skipped" in recorded[n]:
            skipped.append(n)
            continue
        t0 = time.perf_counter()
        try:
            now[n] = explore_entry(n, data["max_states"])
        except KeyboardInterrupt:
            interrupted = True
            break
        seconds[n] = time.perf_counter() - t0
        checked.append(n)
        found = compare_entry(n, recorded[n], now[n])
        drifts.extend(found)
        if progress is not None:
            progress(n, found)
    return BaselineReport(str(path), tuple(checked), tuple(skipped), tuple(drifts), now, interrupted, seconds)
