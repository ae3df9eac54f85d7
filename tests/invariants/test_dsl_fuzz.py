"""Fuzzing the parser, type checker and compiler: bad input must only ever raise our own
``InvariantError`` subclasses (never a Python traceback), with a printable located message.
``test_dsl_fuzz_stages.py`` generates files against the machines' schemas, measures which stage
(parser, type checker, compiler, explorer) its examples reach, and compares the concrete and the
Z3 semantics on arbitrary well-formed states.

Three generators: lark's grammar itself (``hypothesis.extra.lark.from_lark``), a soup of tokens,
and random edits of valid files. They reach
``include`` (of shipped files and of names that are not files), slices ``s[i..j]``, integer
ranges ``i in a..b`` and scope parameters (``max_inputs``, ``scope.processors``).
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.extra.lark import from_lark

from ioakit.invariants import InvariantError, lemma_file, load_invariants
from ioakit.invariants.parser import lark_parser
from ioakit.registry import get_spec

VS = get_spec("VS-machine").build({})
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)


SHIPPED = str(lemma_file("vs_lemma_4_1"))


def _stage(name: str) -> None:
    if currently_in_test_context():  # event() exists only inside a Hypothesis test
        event(f"stage: {name}")


def load_or_error(text: str) -> object:
    """Load ``text``; any exception but an ``InvariantError`` fails the test. The stage reached
    (the error's class, or ``loaded``) is a Hypothesis event: ``--hypothesis-show-statistics``
    shows how few of these generators' examples get past the parser (``test_dsl_fuzz_stages.py``
    is the generator that does)."""
    try:
        loaded = load_invariants(text, VS, filename="fuzz.inv")
    except InvariantError as e:
        _stage(type(e).__name__)
        msg = str(e)
        # located in the file, or in the shipped file it includes (a name defined twice)
        assert msg.startswith(("fuzz.inv", SHIPPED)), msg
        assert "internal error" not in msg, msg
        return e
    _stage("loaded")
    return loaded


TOKEN_SOUP = [
    "forall",
    "exists",
    "exists!",
    "p",
    "q",
    "g",
    "S",
    "in",
    "subset",
    "P",
    "G",
    "Set[P]",
    ":",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "⟨",
    "⟩",
    "|",
    "and",
    "or",
    "not",
    "implies",
    "iff",
    "if",
    "then",
    "else",
    "==",
    "!=",
    "<=",
    "<",
    "+",
    "-",
    "*",
    "++",
    "union",
    "inter",
    "minus",
    "next",
    "next_safe",
    "queue",
    "pending",
    "current_viewid",
    "created",
    "created_viewids",
    "bot",
    "empty",
    "true",
    "1",
    "0",
    "len",
    "head",
    "range",
    "card",
    "sum",
    ".id",
    ".set",
    ".1",
    "g0",
    "p1",
    "views",
    "=",
    "def",
    "invariant",
    "..",
    "1..2",
    "queue[g][1..next[p, g] - 1]",
    "max_inputs",
    "scope.processors",
    "scope.nope",
    "include",
    '"vs_bounds"',
]
NAMES = [
    "p",
    "q",
    "g",
    "S",
    "P",
    "G",
    "M",
    "A",
    "next",
    "next_safe",
    "current-viewid",
    "queue",
    "pending",
    "created",
    "created_viewids",
    "views",
    "view",
    "g0",
    "p1",
    "p3",
    "len",
    "head",
    "card",
    "in_queue",
    "x-y",
    "VS-machine",
    "max_inputs",
    "processors",
    "scope",
]
GRAMMAR_FILES = from_lark(
    lark_parser(),
    start="start",
    explicit={
        "NAME": st.sampled_from(NAMES) | st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True),
        "INT": st.sampled_from(["0", "1", "2", "12345678901234567890123456789012345"]),
        "STRING": st.sampled_from(['"Lemma 4.1(1)"', '"a \\" b"', '"x\ny"', '"vs_bounds"', '"."']),
        "COMMENT": st.just("# c\n"),
    },
)


@FUZZ
@given(GRAMMAR_FILES)
def test_grammar_generated_files(text):
    """from_lark joins tokens without spaces, so most of these fail to lex or parse; with the
    names of VS-machine some reach the checker."""
    load_or_error(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKEN_SOUP), max_size=25))
def test_token_soup_formulas(tokens):
    load_or_error("machine VS-machine\ninvariant soup: " + " ".join(tokens) + "\n")


VALID = [
    lemma_file("vs_lemma_4_1").read_text(encoding="utf-8"),
    "machine VS-machine\ndef f(x: P, g) = len(pending[x, g])\n"
    'invariant a "r": "d" forall p in P, g in G: f(p, g) <= inputs_issued and |created| >= 1\n'
    "invariant b: sum(g in G: len(queue[g])) <= inputs_issued iff true\n"
    "invariant c: forall v in created, S subset v.set: if S == {} then true else exists p in S: p in v.set\n",
    'machine VS-machine\ninclude "vs_bounds"\ndef d(p: P, g: G) = queue[g][1..next[p, g] - 1]\n'
    "invariant s: forall p in P, g in G: d(p, g) <= queue[g] and len(d(p, g)) == next[p, g] - 1\n"
    "invariant r: forall i in 1..max_inputs, g in G: exists j in 0..scope.processors: i + j >= 1\n"
    "invariant t: sum(i in 1..len(queue[g0]): 1) == len(queue[g0][1..9])\n",
]
TOKENS = [
    " ",
    "\n",
    ":",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "=",
    "==",
    "<",
    "|",
    ".",
    "-",
    "+",
    "!",
    '"',
    "#",
    "forall",
    "exists",
    "in",
    "subset",
    "and",
    "implies",
    "not",
    "if",
    "then",
    "else",
    "sum",
    "def",
    "invariant",
    "machine",
    "bot",
    "empty",
    "P",
    "G",
    "M",
    "Set",
    "views",
    "next",
    "next_safe",
    "queue",
    "current-viewid",
    "created",
    "p",
    "g",
    "0",
    "1",
    "⊥",
    "∀",
    "⟨",
    "⟩",
    "λ",
    "\x00",
    "é",
    "9" * 50,
    "..",
    "...",
    "[1..",
    "include",
    '"vs_bounds"',
    "scope.",
    "max_inputs",
]


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(VALID))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    for _ in range(draw(st.integers(1, 4))):
        i = rnd.randrange(len(text) + 1)
        j = min(len(text), i + rnd.randrange(12))
        kind = rnd.randrange(4)
        if kind == 0:
            text = text[:i] + text[j:]
        elif kind == 1:
            text = text[:i] + rnd.choice(TOKENS) + text[i:]
        elif kind == 2:
            text = text[:i] + rnd.choice(TOKENS) + text[j:]
        else:
            text = text[:i] + text[i:j] * 2 + text[j:]
    return text


@FUZZ
@given(mutated())
def test_mutated_files(text):
    load_or_error(text)


def test_bad_input_gives_invariant_errors():
    assert isinstance(load_or_error("machine VS-machine\ninvariant a: nope"), InvariantError)
    assert isinstance(load_or_error("machine VS-machine\ninvariant a: (((("), InvariantError)
