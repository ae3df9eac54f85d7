"""``docs/spec-api.md`` is executed and its coverage is computed, so the reference cannot rot.

* Every fenced ```` ```python ```` block of the page is run, in page order, in one namespace (the
  page says so at its top: the blocks are cumulative, like a notebook). Each block is compiled
  with the page's path and its own line numbers, so a failing example is reported at its line
  in the page. Every block must assert what it shows.
* The page's prose must name, in inline code (`` `name` ``, `` `name(...)` ``, `` `.name` ``,
  `` `@name` ``, `` `x.name(...)` ``), every
  public decorator and function of ``ioakit.lang.automaton``, every public member of ``Spec``,
  ``Decl``, ``StateProxy`` and ``Term``, every public helper of ``ioakit.lang.ir``, every type of
  ``ioakit.lang.types`` and the helpers of the message-passing substrate — computed from the
  modules, minus the short, explicit exclusion lists below (internals, each with its reason). A
  helper added later without documentation fails here.
"""

from __future__ import annotations

import inspect
import re
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ioakit.impl.net import process
from ioakit.lang import automaton, ir, types
from ioakit.lang.automaton import Decl, Spec
from ioakit.lang.ir import StateProxy, Term

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "spec-api.md"


def _blocks(text: str) -> list[tuple[int, str]]:
    """(line of the block's first code line, code) of every ```python block."""
    out = []
    for m in re.finditer(r"^```python\n(.*?)^```$", text, flags=re.S | re.M):
        out.append((text.count("\n", 0, m.start(1)) + 1, m.group(1)))
    return out


def _documented(text: str) -> set[str]:
    """Names the page's prose and tables (not its code blocks) show in inline code, at the start of
    the span or as a member or decorator: `name`, `name(...)`, `.name`, `@name`, `s.name(...)`."""
    prose = re.sub(r"^```.*?^```$", "", text, flags=re.S | re.M)
    names: set[str] = set()
    for span in re.findall(r"`([^`\n]+)`", prose):
        names.update(re.findall(r"(?:^|[.@])([A-Za-z_]\w*)", span.strip()))
    return names


def _public(module: ModuleType) -> set[str]:
    """Public functions and classes defined in ``module`` (not imported into it)."""
    return {
        n
        for n, o in vars(module).items()
        if not n.startswith("_") and (inspect.isfunction(o) or inspect.isclass(o)) and o.__module__ == module.__name__
    }


def _members(cls: type) -> set[str]:
    return {n for n in vars(cls) if not n.startswith("_")}


TEXT = DOC.read_text(encoding="utf-8")

# -- what need not be documented for users, and why ----------------------------------------------

AUTOMATON_INTERNALS = {
    "parse_scope_text": "the command line's --scope parser",
    "load_scope_file": "the command line's --scope-file reader",
    "with_input_budget": "applied by Spec.build from Decl.input_budget (documented there)",
    "action_label": "how labels are printed (labels are documented)",
    "enumerate_args": "instantiation machinery of Spec.build",
    "trace_instances": "instantiation machinery of Spec.build",
    "each_choice": "instantiation machinery of Spec.build (s.choose is documented)",
    "finish_instance": "instantiation machinery of Spec.build",
    "instances_named": "an engines' helper",
}
SPEC_INTERNALS = {
    "families": "read by build and by System",
    "family": "read by build and by System",
    "derived_methods": "read by build and by System",
    "derived_vars": "read by build and by System",
}
TERM_INTERNALS = {
    "op": "the node's operator: for the backends",
    "args": "the node's children: for the backends",
    "data": "the node's static datum: for the backends",
}
IR_INTERNALS = {
    # the functions behind Term methods and operators (documented as the method)
    **dict.fromkeys(
        [
            "seq_len",
            "seq_at",
            "seq_tail",
            "seq_append",
            "seq_insort",
            "seq_remove_at",
            "seq_concat",
            "seq_elems",
            "set_op",
            "set_card",
            "set_sorted",
            "bag_add",
            "bag_remove",
            "bag_count",
            "bag_size",
            "map_get",
            "map_put",
            "union_is",
            "union_as",
            "arith",
        ],
        "the function behind a Term method or operator",
    ),
    "mk": "term construction machinery",
    "build": "term construction machinery",
    "peel": "how sets are read off their terms (described under setof)",
    "balanced_union": "how setof/union_all build their terms",
    "subterms": "a DAG walk for the backends",
    "format_term": "repr of a term",
}
TYPES_INTERNALS = {
    "same_shape": "a type-checking relation (documented in core-api.md)",
    "contained": "a type-checking relation",
    "join": "a type-checking relation",
    "universe_size": "a size computation",
    "unordered_part": "the order check behind <, sorted",
    "value_key": "a display order",
}

# what the brief of the page (issue #11) lists by name: documented whatever the modules say
LISTED_TERM_METHODS = [
    "add",
    "append",
    "at",
    "card",
    "concat",
    "contains",
    "count",
    "dom",
    "elems",
    "get",
    "head",
    "insert_sorted",
    "inter",
    "is_",
    "as_",
    "is_empty",
    "is_prefix_of",
    "is_some",
    "last",
    "length",
    "minus",
    "put",
    "remove",
    "remove_at",
    "size",
    "sorted",
    "subset",
    "tail",
    "union",
    "value",
]
LISTED_IR_HELPERS = [
    "And",
    "Or",
    "Not",
    "Implies",
    "Iff",
    "ite",
    "forall",
    "exists",
    "setof",
    "union_all",
    "const",
    "some",
    "record",
    "field",
    "inj",
    "seq_lit",
    "set_lit",
    "prefix",
    "contains",
    "dom",
    "elements",
    "eq",
    "lift",
    "BOT",
]
LISTED_SPEC_API = [
    "Spec",
    "name",
    "source",
    "parameters",
    "ScopeParam",
    "declare",
    "validate",
    "Scope",
    "as_dict",
    "Decl",
    "domain",
    "type",
    "var",
    "Domain",
    "numbered",
    "input",
    "output",
    "internal",
    "where",
    "from_state",
    "at",
    "roles",
    "name",
    "derived",
    "ActionDecl",
    "bind",
    "require",
    "when",
    "choose",
    "assume",
    "ModelCodeError",
    "TraceError",
    "MessagePassing",
    "local",
    "send",
    "send_all",
    "invoke",
    "Explorer",
    "System",
    "Component",
    "compose",
    "StepProperty",
]
SUBSTRATE_HELPERS = ["MessagePassing", "local", "send", "send_all", "invoke", "capacity", "message_types"]


def _missing(names: set[str] | list[str]) -> list[str]:
    documented = _documented(TEXT)
    return sorted(n for n in names if n not in documented)


def _check(names: set[str] | list[str], what: str) -> None:
    missing = _missing(names)
    assert not missing, f"{what} not named in the prose of {DOC.name}: {', '.join(missing)}"


# -- the page runs ---------------------------------------------------------------------------------


def test_the_page_has_examples() -> None:
    assert len(_blocks(TEXT)) >= 20


def test_every_block_asserts_what_it_shows() -> None:
    silent = [line for line, code in _blocks(TEXT) if not re.search(r"\bassert\b", code)]
    assert not silent, f"python blocks without an assertion start at lines {silent} of {DOC}"


def test_every_block_runs_in_order() -> None:
    ns: dict[str, Any] = {"__name__": "spec_api_doc"}
    for line, code in _blocks(TEXT):
        compiled = compile("\n" * (line - 1) + code, str(DOC), "exec")
        try:
            exec(compiled, ns)
        except Exception as e:
            at = [f.lineno for f in traceback.extract_tb(e.__traceback__) if f.filename == str(DOC)]
            pytest.fail(f"the block at {DOC.name}:{line} failed (lines {at}): {type(e).__name__}: {e}")


# -- the page covers the API -----------------------------------------------------------------------


def test_automaton_api_is_documented() -> None:
    assert set(AUTOMATON_INTERNALS) <= _public(automaton), "an excluded name no longer exists"
    _check(_public(automaton) - set(AUTOMATON_INTERNALS), "public names of ioakit.lang.automaton")
    _check({"FromState", "input", "output", "internal", "derived", "from_state"}, "the decorators")


def test_spec_and_decl_members_are_documented() -> None:
    assert set(SPEC_INTERNALS) <= _members(Spec)
    _check(_members(Spec) - set(SPEC_INTERNALS), "Spec members")
    _check(_members(Decl) | {"domains", "types", "variables", "start", "input_budget", "constants"}, "Decl members")


def test_state_proxy_methods_are_documented() -> None:
    methods = _members(StateProxy)
    assert {"require", "when", "choose", "assume", "bind"} <= methods
    _check(methods, "StateProxy methods")


def test_term_methods_are_documented() -> None:
    assert set(TERM_INTERNALS) <= _members(Term)
    _check(_members(Term) - set(TERM_INTERNALS), "Term members")
    _check(LISTED_TERM_METHODS, "Term methods listed in issue #11")


def test_ir_helpers_are_documented() -> None:
    assert set(IR_INTERNALS) <= _public(ir), "an excluded name no longer exists"
    _check(_public(ir) - set(IR_INTERNALS), "public helpers of ioakit.lang.ir")
    _check(LISTED_IR_HELPERS, "ir helpers listed in issue #11")


def test_types_are_documented() -> None:
    assert set(TYPES_INTERNALS) <= _public(types)
    _check(_public(types) - set(TYPES_INTERNALS), "types of ioakit.lang.types")


def test_substrate_and_the_rest_of_the_brief_are_documented() -> None:
    assert all(callable(getattr(process.MessagePassing, n, None)) for n in SUBSTRATE_HELPERS[1:])
    _check(SUBSTRATE_HELPERS, "helpers of the message-passing substrate")
    _check(LISTED_SPEC_API, "names listed in issue #11")


def test_coverage_check_notices_a_missing_name() -> None:
    """The check itself: a name the page does not show is reported, one it shows is not."""
    assert _missing(["surely_not_documented_anywhere"]) == ["surely_not_documented_anywhere"]
    assert "require" in _documented("`s.require(c)`") and "c" not in _documented("`s.require(c)`")
    assert "at" in _documented("`.at(i)`") and "derived" in _documented("`@derived`")
    assert "hidden" not in _documented("```python\n`hidden`\n```\n")  # code blocks do not count


def test_the_page_is_linked() -> None:
    for page in ("README.md", "docs/your-own-model.md", "docs/core-api.md"):
        assert "spec-api.md" in (ROOT / page).read_text(encoding="utf-8"), f"{page} does not link the page"
