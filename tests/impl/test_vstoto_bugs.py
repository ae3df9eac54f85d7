"""Seeded bugs in VStoTO (``impl/fls/vstoto_bugs.py``): each wrong variant of VStoTO-system-label-
normal is caught — an item of Lemmas 6.1-6.24 (``vstoto_lemmas_6.inv``) violated, with its shortest
counterexample's length pinned, and/or a trace that TO-machine lacks (trace inclusion, the shortest
such trace pinned) — and the control, VStoTO-system-label-normal itself, passes the same checks at
the same scopes. ``docs/seeded-bugs.md`` has the table these tests pin.

The default run checks only the catching items (loading just those items of the file: the costly
part of the whole file is compiling its large items, not exploring) and the one cheap trace
inclusion; the whole file per variant, the larger scopes (two bcasts, three view ids) and the
other trace inclusions are ``slow`` (``IOAKIT_SLOW=1``).
"""

from __future__ import annotations

import functools
import json
import re

import pytest

from ioakit.invariants import check_invariants, lemma_file, load_invariants
from ioakit.invariants.check import CheckReport
from ioakit.lang.automaton import Machine
from ioakit.refinement.trace_equiv import TraceComparison, compare_traces
from ioakit.registry import get_spec, machine_classes, paper_of
from ioakit.results import Verdict
from ioakit.specs.fls import SEEDED_BUGS

CONTROL = "VStoTO-system-label-normal"
ITEMS_FILE = "vstoto_lemmas_6"


def bug(slug: str) -> str:
    return f"VStoTO-system-bug-{slug}"


Scope = tuple[tuple[str, int], ...]  # hashable, for the caches


@functools.cache
def machine(name: str, scope: Scope = ()) -> Machine:
    return get_spec(name).build(dict(scope))


def items_text(names: frozenset[str]) -> str:
    """``vstoto_lemmas_6.inv`` with only the invariants ``names`` (every ``def`` kept): an item
    starts at a line ``invariant NAME`` and ends where the next ``def``, ``invariant`` or comment
    line starts."""
    text = lemma_file(ITEMS_FILE).read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=def |invariant |# )", text)
    kept = [b for b in blocks if not b.startswith("invariant ") or b.split()[1] in names]
    assert sum(b.startswith("invariant ") for b in kept) == len(names), "an item name is not in the file"
    return "".join(kept)


@functools.cache
def check_items(name: str, scope: Scope, items: frozenset[str]) -> CheckReport:
    m = machine(name, scope)
    return check_invariants(m, load_invariants(items_text(items), m, filename=f"{ITEMS_FILE}.inv"))


@functools.cache
def check_file(name: str, scope: Scope = ()) -> CheckReport:
    m = machine(name, scope)
    return check_invariants(m, load_invariants(lemma_file(ITEMS_FILE), m))


def to_scope(m: Machine) -> dict[str, int]:
    """TO-machine's scope matching a VStoTO system's: the parameters it has (as the FLS bundle's
    Theorem 6.26 claim gives them)."""
    full = dict(m.scope.values)
    return {k: full[k] for k in ("processors", "values", "max_inputs")}


@functools.cache
def inclusion(name: str, scope: Scope) -> TraceComparison:
    m = machine(name, scope)
    return compare_traces(m, get_spec("TO-machine").build(to_scope(m)))


def failing(report: CheckReport) -> dict[str, int]:
    """Violated item -> length of its shortest counterexample."""
    return {o.name: len(o.counterexample) for o in report.outcomes if o.counterexample is not None}


# -- what catches each variant (docs/seeded-bugs.md) -----------------------------------------------

DEFAULT: Scope = ()
INPUTS2: Scope = (("max_inputs", 2),)
G3: Scope = (("view_ids", 3),)
P1_G3: Scope = (("processors", 1), ("initial_members", 1), ("view_ids", 3))
P0_P1_INPUTS2: Scope = (("initial_members", 1), ("max_inputs", 2))
VALUES2_INPUTS2: Scope = (("values", 2), ("max_inputs", 2))
SCOPE_IDS = {
    DEFAULT: "default",
    INPUTS2: "inputs2",
    G3: "G3",
    P1_G3: "P={p1},G3",
    P0_P1_INPUTS2: "P0=p1,inputs2",
    VALUES2_INPUTS2: "values2,inputs2",
}

ITEM_CATCHES = [
    # (variant, scope, the item with the shortest counterexample, its length)
    ("label-reuse", DEFAULT, "lemma_6_4", 2),
    ("keep-status", DEFAULT, "lemma_6_10_2", 2),
    ("confirm-unsafe", DEFAULT, "lemma_6_22_1", 6),
    ("half-quorum", DEFAULT, "lemma_6_22_1", 9),
    ("keep-safe-labels", DEFAULT, "lemma_6_20", 9),
    ("order-nonprimary", DEFAULT, "lemma_6_16", 10),
    ("keep-gotstate", P1_G3, "lemma_6_8_3", 7),
    pytest.param("rep-self", INPUTS2, "lemma_6_20", 20, marks=pytest.mark.slow),
    pytest.param("fullorder-sorted", INPUTS2, "lemma_6_18", 17, marks=pytest.mark.slow),
    pytest.param("keep-gotstate", G3, "lemma_6_8_3", 7, marks=pytest.mark.slow),
    pytest.param("keep-safe-exch", G3, "lemma_6_20", 19, marks=pytest.mark.slow),
]

FILE_CATCHES: dict[str, dict[str, int]] = {
    # the whole file at the default scope: every violated item, its shortest counterexample
    "brcv-unconfirmed": {},
    "confirm-unsafe": {"lemma_6_9_3": 9, "lemma_6_22_1": 6, "lemma_6_23": 6},
    "half-quorum": {"lemma_6_22_1": 9},
    "rep-self": {},
    "order-nonprimary": {"lemma_6_16": 10},
    "label-reuse": {"lemma_6_4": 2},
    "keep-safe-labels": {"lemma_6_9_3": 11, "lemma_6_20": 9},
    "keep-status": {"lemma_6_10_2": 2, "lemma_6_16": 7, "lemma_6_22_1": 11},
    "fullorder-sorted": {},
    "keep-gotstate": {},
    "keep-safe-exch": {},
}


def event(action: str, a: str, p: str, q: str | None = None) -> str:
    """One event of a witness trace as ``compare_traces`` writes it (name, then JSON arguments)."""
    return action + json.dumps({"a": a, "p": p} | ({"q": q} if q else {}))


BCAST_P1_P2 = (event("bcast", "a1", "p1"), event("bcast", "a1", "p2"))
OWN_FIRST = (*BCAST_P1_P2, event("brcv", "a1", "p1", "p1"), event("brcv", "a1", "p2", "p2"))
"""p1 delivers its own value first, p2 its own: no single order of the two bcasts."""
OTHER_FIRST = (*BCAST_P1_P2, event("brcv", "a1", "p1", "p2"), event("brcv", "a1", "p2", "p1"))
"""p1 delivers p2's value first, p2 delivers p1's: no single order either."""
FIFO_BROKEN = (event("bcast", "a1", "p1"), event("bcast", "a2", "p1"), event("brcv", "a2", "p1", "p1"))
"""p1's second value delivered before its first (TO-machine keeps each sender's order)."""

TRACE_CATCHES = [
    # (variant, scope, the shortest trace of the variant that TO-machine lacks)
    ("half-quorum", P0_P1_INPUTS2, OWN_FIRST),
    pytest.param("rep-self", INPUTS2, OWN_FIRST, marks=pytest.mark.slow),
    pytest.param("fullorder-sorted", INPUTS2, OWN_FIRST, marks=pytest.mark.slow),
    pytest.param("brcv-unconfirmed", INPUTS2, OTHER_FIRST, marks=pytest.mark.slow),
    pytest.param("confirm-unsafe", INPUTS2, OTHER_FIRST, marks=pytest.mark.slow),
    pytest.param("label-reuse", VALUES2_INPUTS2, FIFO_BROKEN, marks=pytest.mark.slow),
]

KEEP_GOTSTATE_P1_G3 = {"lemma_6_8_3": 7, "lemma_6_9_2": 10, "lemma_6_9_3": 12, "lemma_6_9_4": 8, "lemma_6_14": 7}
"""The whole file on keep-gotstate with one processor and three view ids (864 states)."""

CONTROL_ITEMS = {
    # the items that catch a variant at a larger scope, checked on the control there
    INPUTS2: frozenset({"lemma_6_18", "lemma_6_19", "lemma_6_20", "lemma_6_22_1", "lemma_6_23", "lemma_6_24"}),
    G3: frozenset({"lemma_6_8_3", "lemma_6_20"}),
}


def ids(x: object) -> str:
    return SCOPE_IDS.get(x, str(x)[:24]) if isinstance(x, tuple) else str(x)  # type: ignore[arg-type]


# -- the variants are registered, marked, and caught ------------------------------------------------


def test_every_seeded_bug_is_registered_in_the_fls_bundle_and_marked_as_not_the_papers() -> None:
    from ioakit.impl.fls.vstoto import VStoTOLabelNormal  # after the bundle (which imports it first)

    names = [c.name for c in SEEDED_BUGS]
    assert len(names) == len(set(names)) >= 6
    assert set(FILE_CATCHES) == {n.removeprefix("VStoTO-system-bug-") for n in names}
    classes = machine_classes()
    for cls in SEEDED_BUGS:
        assert classes[cls.name] is cls and paper_of(cls.name) is not None
        assert cls.source.startswith("SEEDED BUG (ours, not the paper's)")
        assert (cls.__doc__ or "").startswith("SEEDED BUG")
        assert cls.process is not VStoTOLabelNormal and issubclass(cls.process, VStoTOLabelNormal)
        assert "seeded bug" in cls.process.name


def test_ioakit_list_shows_a_seeded_bug_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    from ioakit.cli import main

    assert main(["list", bug("label-reuse")]) == 0
    assert f"{bug('label-reuse')}  — SEEDED BUG (ours, not the paper's)" in capsys.readouterr().out


@pytest.mark.parametrize(("slug", "scope", "item", "length"), ITEM_CATCHES, ids=ids)
def test_the_catching_item_is_violated_and_holds_on_the_control(
    slug: str, scope: Scope, item: str, length: int
) -> None:
    report = check_items(bug(slug), scope, frozenset({item}))
    assert report.complete
    assert failing(report) == {item: length}
    control = check_items(CONTROL, scope, frozenset({item}))
    assert control.complete and not failing(control)


@pytest.mark.parametrize(("slug", "scope", "witness"), TRACE_CATCHES, ids=ids)
def test_a_trace_of_the_variant_is_not_one_of_to_machine_and_the_controls_are(
    slug: str, scope: Scope, witness: tuple[str, ...]
) -> None:
    r = inclusion(bug(slug), scope)
    assert r.verdict is Verdict.VIOLATED and not r.left_in_right
    assert r.witness_left_only == witness
    control = inclusion(CONTROL, scope)
    assert control.left_in_right and not (control.left_bound_hits or control.right_bound_hits)


def test_label_reuse_is_caught_at_the_second_step() -> None:
    """The shortest violation of Lemma 6.4: p1 labels its value ⟨g0, 1, p1⟩ and leaves nextseqno
    at 1, so its own label is not below ⟨current.id, nextseqno, p1⟩."""
    report = check_items(bug("label-reuse"), DEFAULT, frozenset({"lemma_6_4"}))
    cex = report.outcome("lemma_6_4").counterexample
    assert cex is not None and cex.labels() == ["bcast(a=a1,p=p1)", "label(a=a1,p=p1)"]


def test_the_whole_file_on_keep_gotstate_and_the_control_with_one_processor() -> None:
    """One processor, three view ids (864 states): the stale summary of p1's previous view is
    caught by five items; the control passes all 48."""
    report = check_file(bug("keep-gotstate"), P1_G3)
    assert report.complete and failing(report) == KEEP_GOTSTATE_P1_G3
    control = check_file(CONTROL, P1_G3)
    assert control.complete and not failing(control)


@pytest.mark.slow
@pytest.mark.parametrize("slug", list(FILE_CATCHES))
def test_the_whole_file_at_the_default_scope(slug: str) -> None:
    """All 48 items (about 30 s per variant): exactly these are violated, with these shortest
    counterexamples. No item mentions nextreport, so none can catch brcv-unconfirmed; the others
    with none here need two bcasts or three view ids (``ITEM_CATCHES``)."""
    report = check_file(bug(slug))
    assert report.complete
    assert failing(report) == FILE_CATCHES[slug]


@pytest.mark.slow
def test_the_control_passes_the_whole_file_at_the_default_scope() -> None:
    report = check_file(CONTROL)
    assert report.complete and not failing(report)


@pytest.mark.slow
@pytest.mark.parametrize("scope", list(CONTROL_ITEMS), ids=ids)
def test_the_control_passes_the_catching_items_at_the_larger_scopes(scope: Scope) -> None:
    report = check_items(CONTROL, scope, CONTROL_ITEMS[scope])
    assert report.complete and not failing(report)
