"""Parsing invariant files: lark (LALR, ``grammar.lark``) to the AST of ``syntax.py``.

Parse errors are turned into ``InvariantSyntaxError`` with a located, friendly message. The
common mistakes get their own wording (the habits of lark users and of other languages):

* an unbalanced bracket is reported at the bracket (a scan that skips strings and comments);
* ``=`` where ``==`` was meant (``=`` only follows the head of a ``def``);
* a missing ``:`` after a quantifier's bindings, or after an invariant's name / reference — found
  by asking lark's interactive parser whether inserting the token would let the parse go on;
* ``&&``, ``||``, ``!``, ``->``, ``=>`` and friends, with the keyword to write instead;
* a file that does not start with ``machine NAME`` (``UnexpectedInput.match_examples``).

Otherwise the message lists what the parser would have accepted at that point (``accepts()``
of the interactive parser, which is exact, unlike the merged LALR ``expected`` set).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from . import syntax as S
from .errors import InvariantError, InvariantSyntaxError, Note, SourceFile, Span

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")

MAX_DEPTH = 100
"""Deepest nesting of the parse tree we accept; deeper input is refused with a located error
(the checker and both compilers recurse over the tree)."""

MAX_INT_DIGITS = 30


@functools.cache
def lark_parser() -> Lark:
    """The (immutable, cached) LALR parser for ``grammar.lark``."""
    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", lexer="basic", propagate_positions=True, start="start"
    )


def _span_of(x: Any) -> Span:
    if isinstance(x, Token):
        return Span(x.line or 0, x.column or 0, x.end_line or 0, x.end_column or 0, x.start_pos or 0, x.end_pos or 0)
    if isinstance(x, S.Node):
        return x.span
    m = x.meta if isinstance(x, Tree) else x
    if getattr(m, "empty", True):
        return Span(0, 0, 0, 0)
    return Span(m.line, m.column, m.end_line, m.end_column, m.start_pos, m.end_pos)


def _unescape(tok: Token) -> str:
    body = tok.value[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


_CMP = {"≠": "!=", "≤": "<=", "≥": ">="}
_BINOPS = {"∪": "union", "\\": "minus", "∩": "inter"}


@v_args(meta=True)
class _ToAST(Transformer):
    """lark tree -> ``syntax`` dataclasses, with spans from ``propagate_positions``."""

    def __init__(self, source: SourceFile) -> None:
        super().__init__()
        self.source = source

    # -- declarations ---------------------------------------------------------------------------
    def start(self, meta: Any, ch: list[Any]) -> S.File:
        return S.File(ch[0], tuple(ch[1:]), span=_span_of(meta))

    def machine_decl(self, meta: Any, ch: list[Token]) -> S.MachineDecl:
        return S.MachineDecl(tuple(S.Ident(t.value, span=_span_of(t)) for t in ch), span=_span_of(meta))

    def definition(self, meta: Any, ch: list[Any]) -> S.Definition:
        name = S.Ident(ch[0].value, span=_span_of(ch[0]))
        if len(ch) == 3:
            params, has_parens = tuple(ch[1]), True
        else:
            params, has_parens = (), False
        return S.Definition(name, params, ch[-1], has_parens, span=_span_of(meta))

    def params(self, meta: Any, ch: list[Any]) -> list[S.Param]:
        return [p for p in ch if p is not None]

    def param(self, meta: Any, ch: list[Any]) -> S.Param:
        return S.Param(S.Ident(ch[0].value, span=_span_of(ch[0])), ch[1] if len(ch) > 1 else None, span=_span_of(meta))

    def invariant(self, meta: Any, ch: list[Any]) -> S.InvariantDecl:
        name = S.Ident(ch[0].value, span=_span_of(ch[0]))
        ref = ""
        descs: list[str] = []
        for c in ch[1:-1]:
            if c.data == "reference":
                ref = " ".join(_unescape(c.children[0]).split())
            else:
                descs.append(" ".join(_unescape(c.children[0]).split()))
        return S.InvariantDecl(name, ref, " ".join(descs), ch[-1], span=_span_of(meta))

    def step(self, meta: Any, ch: list[Any]) -> S.StepDecl:
        name = S.Ident(ch[0].value, span=_span_of(ch[0]))
        ref = ""
        descs: list[str] = []
        on: S.OnClause | None = None
        for c in ch[1:-1]:
            if isinstance(c, S.OnClause):
                on = c
            elif c.data == "reference":
                ref = " ".join(_unescape(c.children[0]).split())
            else:
                descs.append(" ".join(_unescape(c.children[0]).split()))
        return S.StepDecl(name, ref, " ".join(descs), on, ch[-1], span=_span_of(meta))

    def include(self, meta: Any, ch: list[Token]) -> S.Include:
        return S.Include(_unescape(ch[0]), span=_span_of(meta), path_span=_span_of(ch[0]))

    def on_clause(self, meta: Any, ch: list[Any]) -> S.OnClause:
        idents = [S.Ident(t.value, span=_span_of(t)) for t in ch if t is not None]
        return S.OnClause(idents[0], tuple(idents[1:]), span=_span_of(meta))

    # -- types ----------------------------------------------------------------------------------
    def type_name(self, meta: Any, ch: list[Token]) -> S.TypeName:
        return S.TypeName(ch[0].value, span=_span_of(ch[0]))

    def set_type(self, meta: Any, ch: list[Any]) -> S.SetType:
        return S.SetType(ch[0], span=_span_of(meta))

    # -- quantifiers ----------------------------------------------------------------------------
    def quantified(self, meta: Any, ch: list[Any]) -> S.Quant:
        words = [t.value for t in ch[0].children]
        kind = {"forall": "forall", "∀": "forall", "exists": "exists", "∃": "exists"}[words[0]]
        if len(words) == 2:
            kind = "exists1"
        return S.Quant(kind, tuple(ch[1]), ch[2], span=_span_of(meta))

    def binders(self, meta: Any, ch: list[list[S.Binder]]) -> list[S.Binder]:
        return [b for group in ch for b in group]

    def _binder(self, ch: list[Any], mode: str) -> list[S.Binder]:
        rng = ch[-1]
        if isinstance(rng, Token):  # cannot happen with this grammar, kept for safety
            rng = S.Name(rng.value, span=_span_of(rng))
        return [S.Binder(S.Ident(t.value, span=_span_of(t)), mode, rng, span=_span_of(t).to(rng.span)) for t in ch[:-1]]

    def binder_in(self, meta: Any, ch: list[Any]) -> list[S.Binder]:
        return self._binder(ch, "in")

    def binder_subset(self, meta: Any, ch: list[Any]) -> list[S.Binder]:
        return self._binder(ch, "subset")

    def sum_(self, meta: Any, ch: list[Any]) -> S.Quant:
        return S.Quant("sum", tuple(ch[0]), ch[1], span=_span_of(meta))

    def union_(self, meta: Any, ch: list[Any]) -> S.Quant:
        return S.Quant("union", tuple(ch[0]), ch[1], span=_span_of(meta))

    def setof(self, meta: Any, ch: list[Any]) -> S.SetOf:
        return S.SetOf(ch[0], tuple(ch[1]), ch[2] if len(ch) > 2 else None, span=_span_of(meta))

    def let_expr(self, meta: Any, ch: list[Any]) -> S.Let:
        return S.Let(S.Ident(ch[0].value, span=_span_of(ch[0])), ch[1], ch[2], span=_span_of(meta))

    def ite(self, meta: Any, ch: list[Any]) -> S.Ite:
        return S.Ite(ch[0], ch[1], ch[2], span=_span_of(meta))

    # -- operators ------------------------------------------------------------------------------
    def _bin(self, meta: Any, op: str, left: Any, right: Any, op_tok: Token | None = None) -> S.Binary:
        return S.Binary(
            op, left, right, span=_span_of(meta), op_span=_span_of(op_tok) if op_tok is not None else _span_of(meta)
        )

    def iff(self, meta: Any, ch: list[Any]) -> S.Binary:
        return self._bin(meta, "iff", ch[0], ch[1])

    def implies(self, meta: Any, ch: list[Any]) -> S.Binary:
        return self._bin(meta, "implies", ch[0], ch[1])

    def or_(self, meta: Any, ch: list[Any]) -> S.Binary:
        return self._bin(meta, "or", ch[0], ch[1])

    def and_(self, meta: Any, ch: list[Any]) -> S.Binary:
        return self._bin(meta, "and", ch[0], ch[1])

    def not_(self, meta: Any, ch: list[Any]) -> S.Unary:
        return S.Unary("not", ch[0], span=_span_of(meta))

    def neg(self, meta: Any, ch: list[Any]) -> S.Unary:
        return S.Unary("neg", ch[0], span=_span_of(meta))

    def compare(self, meta: Any, ch: list[Any]) -> S.Binary:
        tok = ch[1].children[0]
        return self._bin(meta, _CMP.get(tok.value, tok.value), ch[0], ch[2], tok)

    def member(self, meta: Any, ch: list[Any]) -> S.Binary:
        return self._bin(meta, "in", ch[0], ch[1])

    def not_member(self, meta: Any, ch: list[Any]) -> S.Binary:
        return self._bin(meta, "not in", ch[0], ch[1])

    def in_range(self, meta: Any, ch: list[Any]) -> S.InRange:
        rng = S.IntRange(ch[1], ch[2], span=_span_of(ch[1]).to(_span_of(ch[2])))
        return S.InRange(ch[0], rng, span=_span_of(meta))

    def not_in_range(self, meta: Any, ch: list[Any]) -> S.InRange:
        rng = S.IntRange(ch[1], ch[2], span=_span_of(ch[1]).to(_span_of(ch[2])))
        return S.InRange(ch[0], rng, True, span=_span_of(meta))

    def subset(self, meta: Any, ch: list[Any]) -> S.Binary:
        return self._bin(meta, "subset", ch[0], ch[1])

    def is_tag(self, meta: Any, ch: list[Any]) -> S.IsTag:
        return S.IsTag(ch[0], S.Ident(ch[1].value, span=_span_of(ch[1])), span=_span_of(meta))

    def binop(self, meta: Any, ch: list[Any]) -> S.Binary:
        tok = ch[1].children[0]
        return self._bin(meta, _BINOPS.get(tok.value, tok.value), ch[0], ch[2], tok)

    # -- postfix and atoms ----------------------------------------------------------------------
    def index(self, meta: Any, ch: list[Any]) -> S.Index:
        return S.Index(ch[0], tuple(ch[1]), span=_span_of(meta))

    def slice(self, meta: Any, ch: list[Any]) -> S.Slice:
        return S.Slice(ch[0], ch[1], ch[2], span=_span_of(meta))

    def int_range(self, meta: Any, ch: list[Any]) -> S.IntRange:
        return S.IntRange(ch[0], ch[1], span=_span_of(meta))

    def field(self, meta: Any, ch: list[Any]) -> S.FieldSel:
        return S.FieldSel(ch[0], ch[1].value, span=_span_of(meta))

    def int_lit(self, meta: Any, ch: list[Token]) -> S.IntLit:
        text = ch[0].value
        if len(text) > MAX_INT_DIGITS:
            raise InvariantSyntaxError(
                f"integer literal with {len(text)} digits; at most {MAX_INT_DIGITS} are accepted", _span_of(ch[0])
            )
        return S.IntLit(int(text), span=_span_of(meta))

    def true_lit(self, meta: Any, ch: list[Any]) -> S.BoolLit:
        return S.BoolLit(True, span=_span_of(meta))

    def false_lit(self, meta: Any, ch: list[Any]) -> S.BoolLit:
        return S.BoolLit(False, span=_span_of(meta))

    def bot(self, meta: Any, ch: list[Any]) -> S.Bot:
        return S.Bot(span=_span_of(meta))

    def empty(self, meta: Any, ch: list[Any]) -> S.Empty:
        return S.Empty(span=_span_of(meta))

    def primed(self, meta: Any, ch: list[Token]) -> S.Primed:
        return S.Primed(ch[0].value[:-1], span=_span_of(ch[0]))

    def name(self, meta: Any, ch: list[Token]) -> S.Name:
        return S.Name(ch[0].value, span=_span_of(ch[0]))

    def call(self, meta: Any, ch: list[Any]) -> S.Call:
        args = tuple(ch[1]) if len(ch) > 1 and ch[1] is not None else ()
        return S.Call(S.Ident(ch[0].value, span=_span_of(ch[0])), args, span=_span_of(meta))

    def tuple_lit(self, meta: Any, ch: list[Any]) -> S.TupleLit:
        return S.TupleLit((ch[0], *ch[1]), span=_span_of(meta))

    def set_lit(self, meta: Any, ch: list[Any]) -> S.SetLit:
        elems = tuple(ch[0]) if ch and ch[0] is not None else ()
        return S.SetLit(elems, span=_span_of(meta))

    def size(self, meta: Any, ch: list[Any]) -> S.Size:
        return S.Size(ch[0], span=_span_of(meta))

    def expr_list(self, meta: Any, ch: list[Any]) -> list[Any]:
        return list(ch)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def _point(src: SourceFile, pos: int, width: int = 1) -> Span:
    """A span at character offset ``pos``."""
    line = src.text.count("\n", 0, pos) + 1
    col = pos - (src.text.rfind("\n", 0, pos) + 1) + 1
    return Span(line, col, line, col + width, pos, pos + width)


_OPEN = {"(": ")", "[": "]", "{": "}", "⟨": "⟩"}
_CLOSE = {v: k for k, v in _OPEN.items()}


def _bracket_error(src: SourceFile) -> InvariantSyntaxError | None:
    """The first bracket that is unmatched, closed by the wrong kind, or never closed."""
    text = src.text
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = len(text) if j < 0 else j
            continue
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c in _OPEN:
            stack.append((c, i))
        elif c in _CLOSE:
            if not stack:
                return InvariantSyntaxError(f"unmatched `{c}`: no `{_CLOSE[c]}` is open here", _point(src, i))
            o, at = stack.pop()
            if _OPEN[o] != c:
                return InvariantSyntaxError(
                    f"`{c}` does not match the `{o}` it closes (expected `{_OPEN[o]}`)",
                    _point(src, i),
                    notes=(Note(f"`{o}` opened here", _point(src, at)),),
                )
        i += 1
    if stack:
        o, at = stack[-1]
        return InvariantSyntaxError(
            f"unclosed `{o}`: no matching `{_OPEN[o]}` before the end of the file", _point(src, at)
        )
    return None


_TERMINAL_WORDS = {
    "NAME": "a name",
    "INT": "an integer",
    "STRING": 'a string "..."',
    "$END": "the end of the file",
}

_DIGRAPH_HINTS = [
    ("&&", "write `and` (or `∧`) for conjunction"),
    ("||", "write `or` (or `∨`) for disjunction"),
    ("->", "write `implies` (or `==>`, `⇒`) for implication"),
    ("=>", "write `implies` (or `==>`, `⇒`) for implication"),
    (":=", "invariants cannot assign; write `==` for equality"),
    ("===", "write `==` for equality"),
    ("!", "write `not` (or `¬`) for negation; `!=` is inequality"),
    ("&", "write `and` (or `∧`) for conjunction"),
    ("'", 'strings use double quotes: "Lemma 4.1(10)"'),
]


@functools.cache
def _terminal_strings() -> dict[str, str]:
    """terminal name -> its literal text (for the anonymous ``__ANON_k`` terminals)."""
    out = {}
    for t in lark_parser().terminals:
        if type(t.pattern).__name__ == "PatternStr":
            out[t.name] = t.pattern.value
    return out


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the file"
    if tok.type == "NAME":
        return f"name `{tok.value}`"
    if tok.type == "INT":
        return f"the integer {tok.value}"
    if tok.type == "STRING":
        return "a string"
    return f"`{tok.value}`"


def _expected_list(names: set[str]) -> str:
    strs = _terminal_strings()
    if {"NAME", "INT", "LPAR"} <= names:
        return "a formula or a value (a name, a number, `(`, ...)"
    words = sorted({_TERMINAL_WORDS.get(n) or f"`{strs.get(n, n)}`" for n in names})
    if len(words) > 10:
        words = [*words[:10], "..."]
    return ", ".join(words)


def _accepts(ip: Any) -> set[str]:
    try:
        return set(ip.accepts())
    except Exception:
        return set()


def _would_continue(e: UnexpectedToken, insert: list[str], replace: bool = False) -> bool:
    """Whether feeding the tokens ``insert`` (terminal names) before the offending token — or
    instead of it, with ``replace`` — lets the parse go on."""
    ip = getattr(e, "interactive_parser", None)
    if ip is None:
        return False
    strs = _terminal_strings()
    try:
        ip = ip.copy()
        for name in insert:
            ip.feed_token(Token(name, strs.get(name, name)))
        if replace:
            return True
        if e.token.type == "$END":
            ip.feed_eof()
        else:
            ip.feed_token(e.token)
        return True
    except UnexpectedInput:
        return False
    except Exception:
        return False


def _name_of(s: str) -> str:
    for n, v in _terminal_strings().items():
        if v == s:
            return n
    return s


def _context(e: UnexpectedToken) -> str | None:
    """The innermost construct still open where the error is: ``"forall"``/``"exists"``/
    ``"exists!"``/``"sum"`` (in a binder list), ``"def"`` (in a definition's head) or
    ``"invariant"`` (in an invariant's head), from the values the parser has shifted but not
    yet reduced."""
    ip = getattr(e, "interactive_parser", None)
    if ip is None:
        return None
    for v in reversed(ip.parser_state.value_stack):
        if isinstance(v, Tree) and v.data == "quantifier":
            return "".join(t.value for t in v.children)
        if isinstance(v, Token) and v.type in ("SUM", "UNION"):
            return v.type.lower()
        if isinstance(v, Token) and v.type in ("COLON", "EQUAL"):
            return None
        if isinstance(v, Token) and v.type == "DEF":
            return "def"
        if isinstance(v, Token) and v.type == "INVARIANT":
            return "invariant"
    return None


_EXAMPLES = {
    "the file must start with `machine NAME` (the machine the invariants are about), e.g. `machine VS-machine`": [
        "invariant a: true",
        "def a = 1",
        "a",
        "forall p in P: true",
    ],
    '`invariant` must be followed by a name, e.g. `invariant lemma_4_1_10 "Lemma 4.1(10)": ...`': [
        "machine M\ninvariant : true",
        'machine M\ninvariant "x": true',
    ],
}


def _syntax_error(src: SourceFile, e: UnexpectedInput) -> InvariantSyntaxError:
    """A friendly ``InvariantSyntaxError`` for lark's exception ``e``."""
    br = _bracket_error(src)
    if br is not None:
        return br
    pos = e.pos_in_stream if e.pos_in_stream is not None else len(src.text)
    if isinstance(e, UnexpectedCharacters):
        rest = src.text[pos : pos + 3]
        for dg, hint in _DIGRAPH_HINTS:
            if rest.startswith(dg):
                return InvariantSyntaxError(f"unexpected `{dg}`: {hint}", _point(src, pos, len(dg)))
        ch = src.text[pos] if pos < len(src.text) else ""
        if ch == '"':
            return InvariantSyntaxError('unterminated string: no closing `"`', _point(src, pos))
        return InvariantSyntaxError(f"unexpected character `{ch}`", _point(src, pos))
    assert isinstance(e, UnexpectedToken)
    tok = e.token
    width = max(len(tok.value), 1) if tok.type != "$END" else 1
    where = _point(src, pos if tok.type != "$END" else len(src.text), width)
    if tok.type == "$END":
        where = _end_span(src)
    label = e.match_examples(lark_parser().parse, _EXAMPLES, use_accepts=True)
    if label is not None and tok.type != "$END":
        return InvariantSyntaxError(label, where)
    nxt = src.text[pos : pos + 2]
    for dg, hint in _DIGRAPH_HINTS[:4]:
        if nxt == dg or (tok.type != "$END" and src.text[max(pos - 1, 0) : pos + 1] == dg):
            return InvariantSyntaxError(f"unexpected `{dg}`: {hint}", _point(src, pos if nxt == dg else pos - 1, 2))
    if tok.type == "EQUAL" and _would_continue(e, [_name_of("==")], replace=True):
        return InvariantSyntaxError(
            "`=` is not a comparison: write `==` for equality (a single `=` only follows the head of a "
            "definition: `def name(params) = formula`)",
            where,
        )
    accepts = _accepts(e.interactive_parser) if getattr(e, "interactive_parser", None) else set(e.expected or ())
    ctx = _context(e)
    if (
        "COLON" in accepts
        and ctx in ("forall", "exists", "exists!", "∀", "∃", "∃!", "sum", "union")
        and _would_continue(e, ["COLON"])
    ):
        return InvariantSyntaxError(
            f"expected `:` after the bindings of `{ctx}` (write `{ctx} x in D: formula`), found {_describe_token(tok)}",
            where,
        )
    if "COLON" in accepts and ctx == "def":
        return InvariantSyntaxError(
            f"expected `:` between a parameter and its type (write `def name(p: P, g: G) = formula`), found "
            f"{_describe_token(tok)}",
            where,
        )
    if "COLON" in accepts and ctx == "invariant" and _would_continue(e, ["COLON"]):
        return InvariantSyntaxError(
            f'expected `:` after the invariant\'s name and reference (write `invariant name "reference": '
            f"formula`), found {_describe_token(tok)}",
            where,
        )
    if tok.type == "$END":
        return InvariantSyntaxError(f"unexpected end of the file; expected {_expected_list(accepts)}", where)
    if tok.type in ("INVARIANT", "DEF") and accepts:
        return InvariantSyntaxError(
            f"the previous item is incomplete: found `{tok.value}`, expected {_expected_list(accepts)}", where
        )
    return InvariantSyntaxError(f"unexpected {_describe_token(tok)}; expected {_expected_list(accepts)}", where)


def _end_span(src: SourceFile) -> Span:
    """The position just after the last non-blank character (where 'end of file' is reported)."""
    text = src.text.rstrip()
    # skip a trailing comment line so the caret lands on code
    return _point(src, len(text), 1) if text else Span(1, 1, 1, 2, 0, 0)


def _tree_depth(tree: Tree) -> tuple[int, Any]:
    """Maximum depth of the parse tree (iteratively) and the deepest node."""
    best, where = 0, tree
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        t, d = stack.pop()
        if d > best:
            best, where = d, t
        if isinstance(t, Tree):
            stack.extend((c, d + 1) for c in t.children)
    return best, where


def parse(source: SourceFile) -> S.File:
    """Parse a whole invariant file. Raises ``InvariantSyntaxError`` (never a lark exception)."""
    try:
        tree = lark_parser().parse(source.text)
    except UnexpectedInput as e:
        raise _syntax_error(source, e).located(source) from None
    depth, deepest = _tree_depth(tree)
    if depth > MAX_DEPTH:
        raise InvariantSyntaxError(
            f"the formula is nested too deeply (more than {MAX_DEPTH} levels); split it with definitions",
            _span_of(deepest) if not isinstance(deepest, Tree) or not deepest.meta.empty else None,
        ).located(source)
    try:
        return _ToAST(source).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, InvariantError):
            raise e.orig_exc.located(source) from None
        raise
