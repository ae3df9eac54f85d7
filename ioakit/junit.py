"""JUnit XML for continuous integration: a check's ``Report`` as test cases (``--junit FILE``).

CI servers (GitHub Actions reporters, GitLab, Jenkins) read JUnit XML; this module turns the report
of every checking command into it, one test case per thing the command judges:

* ``explore`` / ``simulate`` — one case per property checked (the paper's default properties,
  ``registry.default_properties``), plus a ``completeness`` case when the exploration or the
  sample was cut short (a state or depth limit, steps cut off by the scope's bounds, Ctrl-C);
  one ``exploration`` case when no property was checked, so that a file never has zero cases;
* ``check`` — one case per item of the invariant file (invariants, then step items), plus the
  ``completeness`` case;
* ``prove`` — one case per invariant and method (``bmc: NAME``, ``induction: NAME``), one per step
  item (``step: NAME``); with ``--table`` one per row and one for the conjunction;
* ``trace`` — one case per property the trace checker judges (one for the trace if it lists none);
* ``compare`` — one case; ``refine`` — one per mapping and method, one for trace inclusion;
* ``papers`` — one case per claim, in one test suite per paper (a documented finding that shows
  as documented passes: the case follows the claim's *judged* verdict, as the exit status does);
* any other report (a third party's) — one case with its verdict, unless it offers
  ``junit_suites()`` itself.

Verdicts become JUnit results so that nothing undecided looks like a pass:
OK → a passed case; VIOLATED → ``<failure type="VIOLATED">`` whose body is the counterexample
text; INCOMPLETE and UNKNOWN → ``<error type="INCOMPLETE">`` / ``<error type="UNKNOWN">`` (an
*error*, not a failure: the check could not decide, which CI shows as red like a failure, while
the failure count stays the number of violations found). ``<skipped>`` is never used.

A case's ``time`` is its own check's time when it has one (a main-job claim, a refinement check);
properties judged together by one exploration or one solver run share it: their cases say 0 and
the test suite carries the run's time. The scope, the machine and the command are the suite's
properties. Everything is escaped (``xml.etree``), characters XML 1.0 cannot hold are replaced by
U+FFFD, and the order is the report's (deterministic; no timestamps, no host names).
``write_junit`` writes atomically (a temporary file in the same folder, then ``os.replace``) and
refuses a missing folder with a ``UserError``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ioakit.files import probe_writable, write_atomically
from ioakit.results import Report, SimpleReport, Verdict

__all__ = ["JUnitCase", "JUnitSuite", "check_writable", "suites_for", "to_xml", "write_junit"]


@dataclass(frozen=True)
class JUnitCase:
    """One JUnit test case: a judged item, its verdict, a one-line ``message`` and a ``text`` body
    (the counterexample for a violation, the reason for an undecided verdict)."""

    name: str
    classname: str
    verdict: Verdict
    message: str = ""
    text: str = ""
    seconds: float = 0.0
    output: str = ""
    """Written as the case's ``<system-out>`` (what was claimed, at which scope), whatever the verdict."""
    error_type: str = ""
    """The ``type`` of the ``<error>`` when it is not a verdict (``INPUT ERROR``: the command
    stopped on bad input; ``INTERNAL ERROR``); empty: the verdict's name."""


@dataclass(frozen=True)
class JUnitSuite:
    """One JUnit test suite: the cases of one check (or, for ``papers``, of one paper)."""

    name: str
    cases: tuple[JUnitCase, ...]
    seconds: float = 0.0
    properties: tuple[tuple[str, str], ...] = ()


# -- reports to suites ---------------------------------------------------------------------------


def _scope_text(scope: dict[str, Any] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in (scope or {}).items()) or "(defaults)"


def _props(command: str, machine: str, scope: dict[str, Any] | None, *extra: tuple[str, str]) -> tuple[Any, ...]:
    from ioakit import __version__

    return (
        ("command", f"ioakit {command}"),
        ("machine", machine),
        ("scope", _scope_text(scope)),
        *extra,
        ("ioakit_version", __version__),
    )


def _completeness(
    classname: str, verdict: Verdict, complete: bool, reason: str | None, allowed: bool
) -> list[JUnitCase]:
    """The ``completeness`` case of an exploration or sample cut short: undecided (INCOMPLETE)
    unless the only gap is steps cut off by the bounds that the user accepted."""
    if complete:
        return []
    accepted = allowed and verdict is not Verdict.INCOMPLETE
    v = Verdict.OK if accepted else Verdict.INCOMPLETE
    why = reason or "not every reachable state was explored"
    text = f"bound hits accepted (--allow-bound-hits): {why}" if accepted else why
    return [
        JUnitCase("completeness", classname, v, f"{v.value}: {why}" if v is not Verdict.OK else "", text, output=text)
    ]


def _execution_case(
    name: str, classname: str, verdict: Verdict, reference: str, cex: Any, step: bool, why: str | None, ok: str = ""
) -> JUnitCase:
    """A property judged by exploring: its counterexample (an ``Execution``) is the failure body."""
    ref = f" ({reference})" if reference else ""
    if verdict is Verdict.VIOLATED and cex is not None:
        what = "ending in a violating step" if step else "reaching a violating state"
        return JUnitCase(
            name, classname, verdict, f"VIOLATED{ref}: shortest execution {what} ({len(cex)} steps)", cex.show()
        )
    if verdict is Verdict.OK:
        return JUnitCase(name, classname, verdict, output=ok)
    text = why or verdict.value
    return JUnitCase(name, classname, verdict, f"{verdict.value}{ref}: {text}", text)


def _explore_suite(r: Any, command: str) -> JUnitSuite:
    """``ExploreReport`` / ``SimulationReport`` / ``CheckReport`` (the last read through its
    exploration, with one case per item of the file)."""
    from ioakit.engines.explore import SimulationReport
    from ioakit.invariants.check import CheckReport

    explore = r.explore if isinstance(r, CheckReport) else r
    sample = isinstance(r, SimulationReport)
    ok = f"no violation in {r.runs} random runs (a sample, not a proof)" if sample else ""
    classname = f"ioakit.{command}.{r.machine}"
    complete = getattr(explore, "complete", None)
    if complete is None:  # a simulation: complete unless interrupted or steps were cut
        complete = not explore.interrupted and not explore.bound_hits
    items = r.outcomes if isinstance(r, CheckReport) else r.results
    cases = [
        _execution_case(x.name, classname, x.verdict, x.reference, x.counterexample, x.step, explore.reason, ok)
        for x in items
    ]
    cases += _completeness(classname, r.verdict, complete, explore.reason, explore.bound_hits_allowed)
    if not items and complete:
        what = "every reachable state explored; no invariant checked"
        if sample:
            what = f"{explore.runs} runs; no invariant checked"
        cases.append(JUnitCase("exploration", classname, r.verdict, output=what))
    extra = [("file", r.file)] if isinstance(r, CheckReport) else []
    if sample:
        extra += [("seed", str(explore.seed)), ("runs", str(explore.runs)), ("exhaustive", "false")]
    else:
        extra += [("states", str(explore.states)), ("complete", str(bool(complete)).lower())]
    name = f"{command} {r.machine} [{_scope_text(r.scope)}]"
    return JUnitSuite(name, tuple(cases), explore.seconds, _props(command, r.machine, r.scope, *extra))


def _prove_suites(r: SimpleReport) -> list[JUnitSuite]:
    """``ioakit prove``: the BMC, induction, step-obligation results (or the table) it combined."""
    from ioakit.engines.prove import BMCResult, InductionResult, Outcome
    from ioakit.engines.prove_steps import StepProofResult
    from ioakit.engines.table import Table

    data = r.to_json()
    machine, scope = str(data.get("machine", "")), data.get("scope")
    classname = f"ioakit.prove.{machine}"
    cases: list[JUnitCase] = []
    seconds = 0.0
    # a proof settles what a BMC left undecided (as ``ioakit prove``'s verdict says): those BMC cases pass
    proved = {
        it.name
        for part in r.parts
        if isinstance(part, InductionResult) and part.outcome is Outcome.INDUCTIVE
        for it in part.items
    }
    for part in r.parts:
        if isinstance(part, Table):
            machine, scope = part.machine, part.scope
            classname = f"ioakit.prove.{machine}"
            seconds += part.seconds
            for row in part.rows:
                found = (row.explored, row.bmc.verdict)
                if Verdict.VIOLATED in found:
                    v = Verdict.VIOLATED
                else:
                    v = (
                        Verdict.OK
                        if all(f is Verdict.OK for f in found) and part.conjunction is Verdict.OK
                        else Verdict.UNKNOWN
                    )
                text = (
                    f"reachable (exploration): {row.explored.value}; BMC to depth {part.bmc_depth}: "
                    f"{row.bmc.verdict.value}; inductive alone: {row.alone.inductive.value}; "
                    f"support: {row.support.describe()}; conjunction inductive: {part.conjunction.value}"
                )
                body = row.bmc.trace.show() if row.bmc.trace is not None else text
                cases.append(
                    JUnitCase(
                        row.name, classname, v, "" if v is Verdict.OK else f"{v.value}: {text}", body, output=text
                    )
                )
            v = part.conjunction
            why = part.cut_reason or "the conjunction of the items is not inductive (or Z3 did not decide)"
            cases.append(
                JUnitCase(
                    "conjunction inductive",
                    classname,
                    Verdict.OK if v is Verdict.OK else Verdict.UNKNOWN,
                    "" if v is Verdict.OK else f"UNKNOWN: {why}",
                    "" if v is Verdict.OK else why,
                )
            )
            for pending in part.interrupted_rows:  # Ctrl-C stopped the table before these rows
                why = f"interrupted (Ctrl-C) during {part.interrupted}: the row was not completed"
                cases.append(JUnitCase(pending.name, classname, Verdict.INCOMPLETE, f"INCOMPLETE: {why}", why))
        elif isinstance(part, BMCResult):
            seconds += part.seconds
            for it in part.items:
                body = it.trace.show() if it.trace is not None else (it.reason or "")
                if it.verdict is Verdict.VIOLATED:
                    msg = f"VIOLATED: BMC found a violating execution of {it.violated_at} steps"
                elif it.verdict is Verdict.OK:
                    msg = ""
                    body = f"no violation in executions of length ≤ {it.depth}" + (
                        " (complete: no longer execution exists)" if part.complete else ""
                    )
                elif it.name in proved:
                    msg = ""
                    body = f"BMC: {it.reason or 'not decided'} after depth {it.depth}; proved by induction"
                else:
                    msg = f"{it.verdict.value}: {it.reason or 'not decided'} (no violation to depth {it.depth})"
                cases.append(
                    JUnitCase(
                        f"bmc: {it.name}" + (" (support)" if it.name in part.support else ""),
                        classname,
                        Verdict.OK if it.verdict is Verdict.UNKNOWN and it.name in proved else it.verdict,
                        msg,
                        body if msg else "",
                        output=body if not msg else "",
                    )
                )
        elif isinstance(part, InductionResult):
            seconds += part.seconds
            for it in part.items:
                v = it.verdict
                if it.outcome is Outcome.VIOLATED_INITIALLY:
                    msg = "VIOLATED: false in a start state"
                    body = it.start_counterexample.show() if it.start_counterexample is not None else msg
                elif it.outcome is Outcome.NOT_INDUCTIVE:
                    fams = ", ".join(it.breaking_families)
                    msg = (
                        f"UNKNOWN: not inductive — counterexamples to induction (broken by {fams}); "
                        "their pre-states may be unreachable"
                    )
                    body = "\n\n".join(c.show() for c in it.ctis)
                elif v is Verdict.OK:
                    msg, body = "", ""
                else:
                    msg = f"{v.value}: {it.reason or 'Z3 did not decide'}"
                    body = it.reason or msg
                support = " (support)" if it.name in part.support else ""
                cases.append(JUnitCase(f"induction: {it.name}{support}", classname, v, msg, body))
        elif isinstance(part, StepProofResult):
            seconds += part.seconds
            for st in part.items:
                if st.verdict is Verdict.OK:
                    cases.append(JUnitCase(f"step: {st.name}", classname, st.verdict))
                    continue
                if st.counterexample is not None:
                    msg = (
                        "UNKNOWN: a step from a state satisfying the invariants breaks it "
                        "(the state may be unreachable)"
                    )
                    body = st.counterexample.show()
                else:
                    msg, body = f"UNKNOWN: {st.reason or 'not decided'}", st.reason or ""
                # as ``ioakit prove`` judges it: a failed one-step obligation is not a violation
                cases.append(JUnitCase(f"step: {st.name}", classname, Verdict.UNKNOWN, msg, body))
    if not cases:
        return [_single_suite(r, "prove")]
    name = f"prove {machine} [{_scope_text(scope)}]"
    extra = [("file", str(data["file"]))] if "file" in data else []
    return [JUnitSuite(name, tuple(cases), seconds, _props("prove", machine, scope, *extra))]


def _trace_suite(r: SimpleReport) -> JUnitSuite:
    """``ioakit trace``: one case per property the checker judged, read from the report's data."""
    data = r.to_json()
    automaton, file = str(data.get("automaton", "")), str(data.get("file", ""))
    classname = f"ioakit.trace.{automaton}"
    cases = []
    for pr in data.get("properties", []):
        v = Verdict(pr["verdict"])
        expl = str(pr.get("explanation") or "")
        if v is Verdict.OK:
            cases.append(JUnitCase(str(pr["name"]), classname, v, output=expl))
            continue
        where = f" at event {pr['event_index']}" if pr.get("event_index") is not None else ""
        word = "VIOLATED" if v is Verdict.VIOLATED else f"{v.value} (not judged)"
        body = f"{file}: {word}{where}: {expl}"
        cases.append(
            JUnitCase(str(pr["name"]), classname, v, f"{word}{where}: {expl.splitlines()[0] if expl else ''}", body)
        )
    if not cases:
        cases.append(
            JUnitCase(file or "trace", classname, r.verdict, "" if r.verdict is Verdict.OK else r.verdict.value)
        )
    props = (("command", "ioakit trace"), ("file", file), ("automaton", automaton))
    return JUnitSuite(f"trace {file}", tuple(cases), 0.0, props)


def _comparison_case(c: Any, classname: str, verdict: Verdict, name: str) -> JUnitCase:
    """A ``TraceComparison`` as one case (``compare``: equality; ``refine``: inclusion)."""
    if verdict is Verdict.OK:
        return JUnitCase(name, classname, verdict, seconds=c.seconds)
    if verdict is Verdict.VIOLATED:
        lines = []
        if c.witness_left_only is not None:
            w = c.witness_left_only
            lines.append(f"a trace of {c.left} that {c.right} lacks ({len(w)} actions): " + " · ".join(w))
        if c.witness_right_only is not None and name != "trace inclusion":
            w = c.witness_right_only
            lines.append(f"a trace of {c.right} that {c.left} lacks ({len(w)} actions): " + " · ".join(w))
        body = "\n".join(lines)
        return JUnitCase(
            name, classname, verdict, f"VIOLATED: {lines[0] if lines else 'the trace sets differ'}", body, c.seconds
        )
    why = c.reason or "not decided"
    return JUnitCase(name, classname, verdict, f"{verdict.value}: {why}", why, c.seconds)


def _compare_suite(c: Any) -> JUnitSuite:
    classname = f"ioakit.compare.{c.left}"
    case = _comparison_case(c, classname, c.verdict, f"{c.left} ≡ {c.right} (finite traces)")
    props = _props(
        "compare", c.left, c.scope, ("right", c.right), ("right_scope", _scope_text(c.right_scope or c.scope))
    )
    return JUnitSuite(f"compare {c.left} {c.right} [{_scope_text(c.scope)}]", (case,), c.seconds, props)


def _refine_suite(r: Any) -> JUnitSuite:
    from ioakit.refinement.refine import inclusion_verdict

    classname = f"ioakit.refine.{r.impl}"
    cases: list[JUnitCase] = []
    scope: dict[str, Any] | None = None
    for p in r.parts:
        if hasattr(p, "left_in_right"):
            cases.append(_comparison_case(p, classname, inclusion_verdict(p), "trace inclusion"))
            scope = scope or p.scope
            continue
        scope = scope or p.scope
        name = f"mapping {p.mapping} ({p.method})"
        if p.verdict is Verdict.OK:
            cases.append(JUnitCase(name, classname, p.verdict, seconds=p.seconds))
            continue
        if p.failure is not None:
            msg = f"{p.verdict.value}: f fails at {p.failure.impl_action}" + (
                f" (trace line {p.line})" if p.line is not None else ""
            )
        else:
            msg = f"{p.verdict.value}: {p.reason or 'not decided'}"
        cases.append(JUnitCase(name, classname, p.verdict, msg, p.show(), p.seconds))
    if r.interrupted is not None:  # Ctrl-C: the check it stopped (if it left no report) and those not run
        stopped = [] if r.parts and getattr(r.parts[-1], "interrupted", False) else [r.interrupted]
        for name in [*stopped, *r.not_run]:
            why = f"interrupted (Ctrl-C) during {r.interrupted}: " + (
                "stopped before a result" if name == r.interrupted else "not run"
            )
            cases.append(JUnitCase(name, classname, Verdict.INCOMPLETE, f"INCOMPLETE: {why}", why))
    extra = [("spec", r.spec)] + ([("trace", r.trace)] if r.trace else [])
    seconds = sum(c.seconds for c in cases)
    return JUnitSuite(f"refine {r.impl} {r.spec}", tuple(cases), seconds, _props("refine", r.impl, scope, *extra))


def _papers_suites(r: Any) -> list[JUnitSuite]:
    """The main job: one suite per paper (in registry order), one case per claim, judged."""
    by_paper: dict[str, list[JUnitCase]] = {}
    for j in r.jobs:
        v = j.judged
        out = [f"claim: {j.claim}", f"scope: {j.scope_text}", f"verdict: {j.verdict.value}"]
        if j.expected is not Verdict.OK:
            out.append(f"expected (documented finding): {j.expected.value}")
            if j.fixed_by:
                out.append(f"fixed variant checked by: {j.fixed_by}")
        out.append(j.detail)
        if v is Verdict.OK:
            msg = ""
        elif j.expected is not Verdict.OK:
            msg = f"{v.value}: the documented finding changed (expected {j.expected.value}, got {j.verdict.value})"
        else:
            msg = f"{v.value}: {j.detail.splitlines()[0] if j.detail else ''}"
        case = JUnitCase(
            f"{j.name} [{j.scope_text}]",
            f"ioakit.papers.{j.paper or 'unknown'}",
            v,
            msg,
            "\n".join(out) if msg else "",
            j.seconds,
            "\n".join(out),
        )
        by_paper.setdefault(j.paper or "unknown", []).append(case)
    from ioakit import __version__

    return [
        JUnitSuite(
            f"papers {key}",
            tuple(cases),
            sum(c.seconds for c in cases),
            (("command", "ioakit papers"), ("paper", key), ("ioakit_version", __version__)),
        )
        for key, cases in by_paper.items()
    ]


def _single_suite(r: Report, command: str) -> JUnitSuite:
    """Any other report: one case with its verdict (its JSON's ``reason`` as the message)."""
    data = r.to_json()
    reason = data.get("reason") or ""
    v = r.verdict
    case = JUnitCase(
        command, f"ioakit.{command}", v, "" if v is Verdict.OK else f"{v.value}: {reason}".rstrip(": "), str(reason)
    )
    return JUnitSuite(f"{command}", (case,), 0.0, (("command", f"ioakit {command}"),))


def suites_for(report: Report, command: str) -> list[JUnitSuite]:
    """The JUnit test suites of the report ``ioakit COMMAND`` produced (see the module docstring).

    Never a pass for what is not OK: should no case carry the report's own undecided or violated
    verdict (a part the cases do not show, e.g. a support invariant violated in ``prove --table``),
    a case named ``verdict`` is added that does."""
    suites = _suites_for(report, command)
    v = report.verdict
    if v is not Verdict.OK and all(c.verdict is Verdict.OK for s in suites for c in s.cases):
        data = report.to_json()
        why = str(data.get("reason") or f"ioakit {command} says {v.value}")
        case = JUnitCase("verdict", f"ioakit.{command}", v, f"{v.value}: {why}", why)
        last = suites[-1] if suites else JUnitSuite(command, ())
        suites = [*suites[:-1], JUnitSuite(last.name, (*last.cases, case), last.seconds, last.properties)]
    return suites


def _suites_for(report: Report, command: str) -> list[JUnitSuite]:
    from ioakit.engines.explore import ExploreReport, SimulationReport
    from ioakit.invariants.check import CheckReport
    from ioakit.papers import MainJob
    from ioakit.refinement.refine import RefineResult
    from ioakit.refinement.trace_equiv import TraceComparison

    own = getattr(report, "junit_suites", None)
    if callable(own):
        return list(own())
    if isinstance(report, ExploreReport | SimulationReport | CheckReport):
        return [_explore_suite(report, command)]
    if isinstance(report, MainJob):
        return _papers_suites(report) or [_single_suite(report, command)]
    if isinstance(report, RefineResult):
        return [_refine_suite(report)] if report.parts or report.interrupted else [_single_suite(report, command)]
    if isinstance(report, TraceComparison):
        return [_compare_suite(report)]
    if isinstance(report, SimpleReport) and command == "prove":
        return _prove_suites(report)
    if isinstance(report, SimpleReport) and command == "trace":
        return [_trace_suite(report)]
    return [_single_suite(report, command)]


# -- XML ----------------------------------------------------------------------------------------

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold, even escaped (control characters,
    lone surrogates): each becomes U+FFFD. ElementTree escapes ``<``, ``&`` and quotes itself."""
    return _NOT_XML.sub("\ufffd", text)


def _counts(cases: Iterable[JUnitCase]) -> tuple[int, int, int]:
    cs = list(cases)
    failures = sum(c.verdict is Verdict.VIOLATED for c in cs)
    errors = sum(c.verdict in (Verdict.INCOMPLETE, Verdict.UNKNOWN) for c in cs)
    return len(cs), failures, errors


def _seconds(s: float) -> str:
    return f"{max(s, 0.0):.3f}"


def to_xml(suites: Sequence[JUnitSuite], name: str = "ioakit") -> str:
    """The JUnit XML document (``<testsuites>``) of ``suites``, as text with its declaration."""
    root = ET.Element("testsuites")
    all_cases = [c for s in suites for c in s.cases]
    tests, failures, errors = _counts(all_cases)
    root.set("name", _clean(name))
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    root.set("skipped", "0")
    root.set("time", _seconds(sum(s.seconds for s in suites)))
    for s in suites:
        el = ET.SubElement(root, "testsuite")
        tests, failures, errors = _counts(s.cases)
        el.set("name", _clean(s.name))
        el.set("tests", str(tests))
        el.set("failures", str(failures))
        el.set("errors", str(errors))
        el.set("skipped", "0")
        el.set("time", _seconds(s.seconds))
        if s.properties:
            props = ET.SubElement(el, "properties")
            for k, v in s.properties:
                p = ET.SubElement(props, "property")
                p.set("name", _clean(k))
                p.set("value", _clean(v))
        seen: dict[tuple[str, str], int] = {}
        for c in s.cases:
            tc = ET.SubElement(el, "testcase")
            tc.set("classname", _clean(c.classname))
            # reporters key cases by (classname, name): a repeated name (two main-job claims that
            # run the same check at one scope) gets " (2)", " (3)", ... in report order
            n = seen[c.classname, c.name] = seen.get((c.classname, c.name), 0) + 1
            tc.set("name", _clean(c.name if n == 1 else f"{c.name} ({n})"))
            tc.set("time", _seconds(c.seconds))
            if c.verdict is not Verdict.OK:
                tag = "failure" if c.verdict is Verdict.VIOLATED else "error"
                res = ET.SubElement(tc, tag)
                res.set("type", c.error_type or c.verdict.value)
                res.set("message", _clean(c.message or c.verdict.value))
                res.text = _clean(c.text or c.message or c.verdict.value)
            if c.output:
                ET.SubElement(tc, "system-out").text = _clean(c.output)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def check_writable(path: str | Path) -> Path:
    """The path a JUnit file will be written to, refused early (``UserError``, exit 2) when its
    folder does not exist, takes no files, or it names a folder: a long check should not run for
    nothing."""
    return probe_writable(path, f"--junit {path}")


def write_junit(path: str | Path, suites: Sequence[JUnitSuite], name: str = "ioakit") -> Path:
    """Write ``suites`` as JUnit XML to ``path`` atomically (``ioakit.files``: a temporary file in
    the same folder, then ``os.replace``; an existing file is replaced). A missing folder, or a
    path that is a folder or cannot be written, is a ``UserError``."""
    return write_atomically(path, to_xml(suites, name), f"--junit {path}")
