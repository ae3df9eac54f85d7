"""ITF, the Informal Trace Format of Apalache and Quint: export, import and checking.

ITF is specified by Apalache's ADR-015 (https://apalache-mc.org/docs/adr/015adr-trace.html): a
trace is one JSON object with ``vars`` (the variable names), ``states`` (one object per state,
each with ``#meta`` and one member per variable), and optionally ``#meta``, ``params`` and
``loop``. Values are JSON booleans, strings, numbers (or ``{"#bigint": "…"}``), lists
(sequences), records (objects) and the tagged forms ``#tup``, ``#set``, ``#map`` and
``#unserializable``; Quint writes a variant of a sum type as ``{"tag": …, "value": …}``.

Why a second trace format beside ``traces/FORMAT.md``: ITF is what Apalache and Quint read and
write, so ioakit's runs can be replayed by their model-based-testing drivers and their
counterexamples can be checked against an ioakit machine (``ioakit trace FILE.itf.json
--machine M``). ``traces/ITF.md`` gives the mapping of ioakit's value types and the commands.

The mapping is *type-directed* both ways: an ITF value is read against the machine's declared
type of its variable (``ioakit.lang.types``), so an element name, a number or a set is decoded
only where the schema says one belongs, and a value that does not fit is an ``ItfError`` naming
the state index, the variable and the place inside the value. Nothing in a file is evaluated
(``json`` only).

The action taken into each state follows Quint's model-based-testing convention: two extra
variables, ``mbt::actionTaken`` (the action family's name; ``"init"`` in state 0) and
``mbt::nondetPicks`` (a record of the action's parameters, each ``{"tag": "Some", "value": v}``;
``{}`` in state 0).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ioakit.errors import UserError
from ioakit.files import write_atomically
from ioakit.lang.types import (
    BOT_INDEX,
    BagT,
    BoolT,
    EnumT,
    IntT,
    MapT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    Type,
    UnionT,
)
from ioakit.results import Verdict

__all__ = [
    "ACTION_TAKEN",
    "INIT_ACTION",
    "ITF_FORMAT_DESCRIPTION",
    "NONDET_PICKS",
    "ItfCheckReport",
    "ItfError",
    "ItfTrace",
    "check_itf",
    "decode_value",
    "dumps_itf",
    "encode_value",
    "execution_to_itf",
    "itf_states",
    "loads_itf",
    "read_itf",
    "recorded_machine",
    "states_to_itf",
    "trace_file_to_itf",
    "write_itf",
]

ITF_FORMAT_DESCRIPTION: Final = "https://apalache-mc.org/docs/adr/015adr-trace.html"
ACTION_TAKEN: Final = "mbt::actionTaken"
"""Quint's model-based-testing variable: the name of the action that led to the state."""
NONDET_PICKS: Final = "mbt::nondetPicks"
"""Quint's model-based-testing variable: the action's nondeterministic choices (here: its
parameters), each an option ``{"tag": "Some", "value": v}`` or ``{"tag": "None", "value": {}}``."""
INIT_ACTION: Final = "init"
"""``mbt::actionTaken`` of state 0 (Quint names the initial action ``init``)."""
MBT_VARS: Final = (ACTION_TAKEN, NONDET_PICKS)

SAFE_INT: Final = 2**53 - 1
"""Integers with a larger magnitude are written ``{"#bigint": "…"}`` (ADR-015: JSON numbers are
doubles in most readers)."""

MAX_CANDIDATES: Final = 100_000
"""States of the machine consistent with one ITF state (when hidden variables are omitted) past
which a check stops with INCOMPLETE."""

_TRACE_KEYS: Final = frozenset({"#meta", "params", "vars", "states", "loop"})
_UNIT: Final[dict[str, Any]] = {}


class ItfError(UserError):
    """An ITF file (or value) that is malformed or does not fit the machine.

    ``str(err)`` is ``path: state I, variable V: message`` (the parts that apply), so that the bad
    value can be found; the parts are kept as :attr:`path`, :attr:`state`, :attr:`variable`,
    :attr:`message`."""

    def __init__(self, path: str, message: str, state: int | None = None, variable: str | None = None) -> None:
        where = [path]
        if state is not None:
            where.append(f"state {state}")
        if variable is not None:
            where.append(f"variable {variable}")
        super().__init__(f"{', '.join(where)}: {message}")
        self.path = path
        self.state = state
        self.variable = variable
        self.message = message


class _ValueError(Exception):
    """A value that does not fit its type, with the path inside the value (``.queue[1].#tup[0]``)."""

    def __init__(self, at: str, message: str) -> None:
        super().__init__(f"{at or 'value'}: {message}" if at else message)
        self.at = at
        self.message = message


# -- values: ioakit -> ITF ---------------------------------------------------------------------


def _some(j: Any) -> dict[str, Any]:
    return {"tag": "Some", "value": j}


def _none() -> dict[str, Any]:
    return {"tag": "None", "value": dict(_UNIT)}


def encode_int(v: int) -> Any:
    """An integer: a JSON number when a double holds it exactly, else ``{"#bigint": "…"}``."""
    return v if -SAFE_INT <= v <= SAFE_INT else {"#bigint": str(v)}


def encode_value(t: Type, v: Any) -> Any:
    """The ITF JSON of the concrete value ``v`` of type ``t`` (``traces/ITF.md``'s table).

    Sets are written in ioakit's canonical order (``SetT.sort_key``: universe order), maps in
    the row-major order of their keys, bags in universe order: equal values give equal JSON."""
    if isinstance(t, BoolT):
        return bool(v)
    if isinstance(t, IntT):
        return encode_int(v)
    if isinstance(t, EnumT):
        if t.bottom:  # D⊥ is an option of D, as Quint writes Option
            return _none() if v == BOT_INDEX else _some(t.domain.names[v])
        return t.domain.names[v]
    if isinstance(t, OptionT):
        return _none() if v is None else _some(encode_value(t.elem, v))
    if isinstance(t, RecordT):
        if t.anonymous:
            return {"#tup": [encode_value(ft, x) for (_, ft), x in zip(t.fields, v)]}
        return {n: encode_value(ft, x) for (n, ft), x in zip(t.fields, v)}
    if isinstance(t, SeqT):
        return [encode_value(t.elem, x) for x in v]
    if isinstance(t, SetT):
        return {"#set": [encode_value(t.elem, x) for x in t.sort_key(v)]}
    if isinstance(t, BagT):
        return {"#map": [[encode_value(t.elem, x), encode_int(c)] for x, c in zip(t.universe(), v) if c]}
    if isinstance(t, MapT):
        return {"#map": [[_encode_key(t, k), encode_value(t.val, x)] for k, x in zip(t.key_tuples(), v)]}
    if isinstance(t, UnionT):
        tag, vt = t.variants[v[0]]
        return {"tag": tag, "value": encode_value(vt, v[1])}
    raise UserError(f"no ITF encoding for values of {t} ({type(t).__name__})")


def _encode_key(t: MapT, key: Sequence[Any]) -> Any:
    if len(t.keys) == 1:
        return encode_value(t.keys[0], key[0])
    return {"#tup": [encode_value(kt, x) for kt, x in zip(t.keys, key)]}


# -- values: ITF -> ioakit ---------------------------------------------------------------------


def _tagged(j: Any, tag: str, at: str) -> Any:
    """The payload of ``{"#tag": payload}``, the only member of the object."""
    if not isinstance(j, dict) or set(j) != {tag}:
        raise _ValueError(at, f'expected {{"{tag}": …}}, got {_short(j)}')
    return j[tag]


def _short(j: Any) -> str:
    text = json.dumps(j, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def decode_int(j: Any, at: str = "") -> int:
    """A JSON integer or ``{"#bigint": "-12"}`` (a decimal string, optional ``-``)."""
    if isinstance(j, bool):
        raise _ValueError(at, f"expected an integer, got {_short(j)}")
    if isinstance(j, int):
        return j
    if isinstance(j, float) and j.is_integer() and abs(j) <= SAFE_INT:
        return int(j)
    if isinstance(j, dict) and set(j) == {"#bigint"}:
        s = j["#bigint"]
        digits = s[1:] if isinstance(s, str) and s.startswith("-") else s
        if not isinstance(s, str) or not digits or not digits.isascii() or not digits.isdigit():
            raise _ValueError(at, f"#bigint needs a decimal string, got {_short(s)}")
        return int(s)
    raise _ValueError(at, f"expected an integer (a number or #bigint), got {_short(j)}")


def _variant(j: Any, at: str) -> tuple[str, Any]:
    if not isinstance(j, dict) or set(j) != {"tag", "value"} or not isinstance(j["tag"], str):
        raise _ValueError(at, f'expected a variant {{"tag": …, "value": …}}, got {_short(j)}')
    return j["tag"], j["value"]


def _option(j: Any, at: str) -> tuple[bool, Any]:
    """``(False, None)`` for None, ``(True, payload)`` for Some."""
    tag, payload = _variant(j, at)
    if tag == "None":
        return False, None
    if tag == "Some":
        return True, payload
    raise _ValueError(at, f'an option\'s tag is "Some" or "None", got {tag!r}')


def decode_value(t: Type, j: Any, at: str = "") -> Any:
    """The concrete value of type ``t`` that the ITF JSON ``j`` denotes (the inverse of
    ``encode_value``); a value that does not fit raises ``_ValueError`` with its place in ``j``."""
    if isinstance(j, dict) and "#unserializable" in j:
        raise _ValueError(at, f"an #unserializable value ({_short(j['#unserializable'])}) cannot be checked")
    if isinstance(t, BoolT):
        if not isinstance(j, bool):
            raise _ValueError(at, f"expected true/false, got {_short(j)}")
        return j
    if isinstance(t, IntT):
        v = decode_int(j, at)
        if not t.lo <= v <= t.hi:
            raise _ValueError(at, f"{v} is outside {t.lo}..{t.hi} (the scope's bound)")
        return v
    if isinstance(t, EnumT):
        if t.bottom:
            present, payload = _option(j, at)
            return decode_value(t.without_bottom(), payload, at + ".value") if present else BOT_INDEX
        if not isinstance(j, str):
            raise _ValueError(at, f"expected an element of {t.domain.name}, got {_short(j)}")
        if j not in t.domain.names:
            raise _ValueError(at, f"{j!r} is not an element of {t.domain.name} = {{{', '.join(t.domain.names)}}}")
        return t.domain.names.index(j)
    if isinstance(t, OptionT):
        present, payload = _option(j, at)
        return decode_value(t.elem, payload, at + ".value") if present else None
    if isinstance(t, RecordT):
        if t.anonymous:
            items = _tagged(j, "#tup", at)
            if not isinstance(items, list) or len(items) != len(t.fields):
                raise _ValueError(at, f"expected a #tup of {len(t.fields)} components, got {_short(items)}")
            return tuple(decode_value(ft, x, f"{at}.#tup[{i}]") for i, ((_, ft), x) in enumerate(zip(t.fields, items)))
        names = [n for n, _ in t.fields]
        if not isinstance(j, dict) or set(j) != set(names):
            raise _ValueError(at, f"expected a {t.name} record with fields {', '.join(names)}, got {_short(j)}")
        return tuple(decode_value(ft, j[n], f"{at}.{n}") for n, ft in t.fields)
    if isinstance(t, SeqT):
        if not isinstance(j, list):
            raise _ValueError(at, f"expected a list (a sequence), got {_short(j)}")
        if len(j) > t.maxlen:
            raise _ValueError(at, f"a sequence of length {len(j)} exceeds the scope's bound {t.maxlen}")
        return tuple(decode_value(t.elem, x, f"{at}[{i}]") for i, x in enumerate(j))
    if isinstance(t, SetT):
        items = _tagged(j, "#set", at)
        if not isinstance(items, list):
            raise _ValueError(at, f"#set needs a list, got {_short(items)}")
        out = [decode_value(t.elem, x, f"{at}.#set[{i}]") for i, x in enumerate(items)]
        if len(set(out)) != len(out):
            raise _ValueError(at, "a #set lists an element twice")
        return frozenset(out)
    if isinstance(t, BagT):
        counts = [0] * len(t.universe())
        for i, (k, c) in enumerate(_pairs(j, at)):
            x = decode_value(t.elem, k, f"{at}.#map[{i}][0]")
            n = decode_int(c, f"{at}.#map[{i}][1]")
            pos = t.index(x)
            if counts[pos]:
                raise _ValueError(at, f"the bag lists element #{i} twice")
            if not 1 <= n <= t.bound:
                raise _ValueError(f"{at}.#map[{i}][1]", f"a bag count must be in 1..{t.bound}, got {n}")
            counts[pos] = n
        return tuple(counts)
    if isinstance(t, MapT):
        vals: list[Any] = [None] * t.size
        seen = [False] * t.size
        for i, (k, x) in enumerate(_pairs(j, at)):
            key = _decode_key(t, k, f"{at}.#map[{i}][0]")
            pos = t.flat_index(key)
            if seen[pos]:
                raise _ValueError(at, f"the map lists key #{i} twice")
            seen[pos] = True
            vals[pos] = decode_value(t.val, x, f"{at}.#map[{i}][1]")
        if not all(seen):
            missing = [t.key_name(k) for k, s in zip(t.key_tuples(), seen) if not s]
            raise _ValueError(at, f"the map is total over {t}: keys missing: {', '.join(missing[:6])}")
        return tuple(vals)
    if isinstance(t, UnionT):
        tag, payload = _variant(j, at)
        if tag not in t.tags:
            raise _ValueError(at, f"{t.name} has no variant {tag!r} (variants: {', '.join(t.tags)})")
        i = t.tag_index(tag)
        return (i, decode_value(t.variants[i][1], payload, f"{at}.value"))
    raise _ValueError(at, f"no ITF decoding for values of {t}")


def _pairs(j: Any, at: str) -> list[tuple[Any, Any]]:
    items = _tagged(j, "#map", at)
    if not isinstance(items, list):
        raise _ValueError(at, f"#map needs a list of [key, value] pairs, got {_short(items)}")
    out = []
    for i, p in enumerate(items):
        if not isinstance(p, list) or len(p) != 2:
            raise _ValueError(f"{at}.#map[{i}]", f"expected a [key, value] pair, got {_short(p)}")
        out.append((p[0], p[1]))
    return out


def _decode_key(t: MapT, j: Any, at: str) -> tuple[Any, ...]:
    if len(t.keys) == 1:
        return (decode_value(t.keys[0], j, at),)
    items = _tagged(j, "#tup", at)
    if not isinstance(items, list) or len(items) != len(t.keys):
        raise _ValueError(at, f"a key of {t} is a #tup of {len(t.keys)} components, got {_short(items)}")
    return tuple(decode_value(kt, x, f"{at}.#tup[{i}]") for i, (kt, x) in enumerate(zip(t.keys, items)))


# -- traces: writing ---------------------------------------------------------------------------


def states_to_itf(
    m: Any,
    start: tuple[Any, ...],
    steps: Sequence[tuple[int, tuple[Any, ...]]],
    *,
    created_by: str = "ioakit",
    description: str = "",
    seed: int | None = None,
) -> dict[str, Any]:
    """The ITF trace (a JSON object) of the execution of machine ``m`` from ``start`` through
    ``steps`` (``(action instance index, state after)``), as ``Execution`` holds it.

    Every variable of the machine is written, hidden ones too (the environment's counters):
    the file then holds whole states, so that importing it gives back the very states and
    checking it needs no guessing. ``mbt::actionTaken`` / ``mbt::nondetPicks`` record the action
    of each step (the module docstring)."""
    from ioakit import __version__

    names = m.var_names
    meta: dict[str, Any] = {
        "format": "ITF",
        "format-description": ITF_FORMAT_DESCRIPTION,
        "source": m.name,
        "description": description or f"an execution of {m.name} ({len(steps)} steps), written by {created_by}",
        "ioakit": {"version": __version__, "machine": m.name, "scope": m.scope.as_dict(), "created_by": created_by},
    }
    if seed is not None:
        meta["ioakit"]["seed"] = seed
    states = [_itf_state(m, 0, start, INIT_ACTION, {})]
    pre = start
    for i, (k, post) in enumerate(steps, 1):
        a = m.actions[k]
        args = m.args_of(k, pre)
        picks = {n: _some(encode_value(pt, x)) for (n, pt), x in zip(a.family.params, args)}
        states.append(_itf_state(m, i, post, a.name, picks))
        pre = post
    return {"#meta": meta, "vars": [*names, *MBT_VARS], "states": states}


def _itf_state(m: Any, index: int, s: tuple[Any, ...], action: str, picks: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"#meta": {"index": index}}
    for (n, t), v in zip(m.variables, s):
        out[n] = encode_value(t, v)
    out[ACTION_TAKEN] = action
    out[NONDET_PICKS] = picks
    return out


def execution_to_itf(ex: Any, **kw: Any) -> dict[str, Any]:
    """``states_to_itf`` of an ``ioakit.engines.explore.Execution``."""
    return states_to_itf(ex.machine, ex.start, ex.steps, **kw)


def dumps_itf(doc: Mapping[str, Any]) -> str:
    """The text of an ITF document: one state per line (diffable), members in a fixed order."""
    head = {k: doc[k] for k in ("#meta", "params", "vars") if k in doc}
    parts = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in head.items()]
    states = ",\n".join("    " + json.dumps(s, ensure_ascii=False) for s in doc["states"])
    parts.append(f'  "states": [\n{states}\n  ]' if doc["states"] else '  "states": []')
    if "loop" in doc:
        parts.append(f'  "loop": {json.dumps(doc["loop"])}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def write_itf(path: str | Path, doc: Mapping[str, Any], *, force: bool = False) -> Path:
    """Write ``doc`` to ``path`` atomically (a temporary file renamed into place); an existing
    file is replaced only with ``force`` (else ``UserError``)."""
    p = Path(path)
    if p.exists() and not force:
        raise UserError(f"{p} exists; not overwriting it (use --force)")
    return write_atomically(p, dumps_itf(doc), str(p))


# -- traces: reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ItfTrace:
    """A structurally valid ITF trace: its variables and raw (JSON) states, not yet decoded
    against a machine (``itf_states`` does that)."""

    path: str
    vars: tuple[str, ...]
    states: tuple[dict[str, Any], ...]
    meta: dict[str, Any] = field(default_factory=dict)
    params: tuple[str, ...] = ()
    loop: int | None = None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate member {k!r}")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_itf(text: str, path: str = "<itf>") -> ItfTrace:
    """Parse and validate the structure of an ITF trace (strict JSON: no NaN, no duplicate
    members); values are checked later, against a machine's types."""
    try:
        j = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (json.JSONDecodeError, ValueError, RecursionError) as e:
        raise ItfError(path, f"not a JSON document: {e}") from None
    if not isinstance(j, dict):
        raise ItfError(path, f"an ITF trace is a JSON object, got {type(j).__name__}")
    unknown = sorted(set(j) - _TRACE_KEYS)
    if unknown:
        known = ", ".join(sorted(_TRACE_KEYS))
        raise ItfError(path, f"unknown member(s) {', '.join(map(repr, unknown))} (ITF has {known})")
    meta = j.get("#meta", {})
    if not isinstance(meta, dict):
        raise ItfError(path, '"#meta" must be an object')
    if "vars" not in j or "states" not in j:
        raise ItfError(path, 'an ITF trace needs "vars" and "states"')
    names = j["vars"]
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise ItfError(path, '"vars" must be a list of variable names (non-empty strings)')
    if len(set(names)) != len(names):
        raise ItfError(path, '"vars" names a variable twice')
    params = j.get("params", [])
    if not isinstance(params, list) or not all(isinstance(n, str) and n for n in params):
        raise ItfError(path, '"params" must be a list of names')
    states = j["states"]
    if not isinstance(states, list):
        raise ItfError(path, '"states" must be a list')
    if not states:
        raise ItfError(path, '"states" is empty: a trace has at least its initial state')
    wanted = set(names) | set(params)
    for i, s in enumerate(states):
        if not isinstance(s, dict):
            raise ItfError(path, "a state is an object", state=i)
        sm = s.get("#meta", {"index": i})
        if not isinstance(sm, dict):
            raise ItfError(path, '"#meta" of a state must be an object', state=i)
        if "index" in sm and (isinstance(sm["index"], bool) or sm["index"] != i):
            raise ItfError(path, f'"#meta".index is {_short(sm["index"])}, but this is state {i}', state=i)
        have = set(s) - {"#meta"}
        missing, extra = sorted(wanted - have), sorted(have - wanted)
        if missing:
            raise ItfError(path, f"the state lacks {', '.join(missing)} (listed in vars/params)", state=i)
        if extra:
            raise ItfError(path, f"the state has {', '.join(extra)}, not listed in vars/params", state=i)
    loop = j.get("loop")
    if loop is not None and (isinstance(loop, bool) or not isinstance(loop, int) or not 0 <= loop < len(states)):
        raise ItfError(path, f'"loop" must be the index of a state (0..{len(states) - 1}), got {_short(loop)}')
    return ItfTrace(path, tuple(names), tuple(states), meta, tuple(params), loop)


def read_itf(path: str | Path) -> ItfTrace:
    """``loads_itf`` of a file (UTF-8); a missing or unreadable file is a ``UserError``."""
    p = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise UserError(f"{p}: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ItfError(p, f"not UTF-8 text (byte {e.start})") from None
    return loads_itf(text, p)


def recorded_machine(trace: ItfTrace) -> tuple[str | None, dict[str, int]]:
    """The machine name and scope an ioakit-written trace records (``#meta.ioakit``), so that
    ``ioakit trace OUT.itf.json`` needs no ``--machine``; ``(None, {})`` for another tool's file
    (its ``#meta.source`` names a TLA+ or Quint file, not an ioakit machine)."""
    info = trace.meta.get("ioakit")
    if not isinstance(info, dict) or not isinstance(info.get("machine"), str):
        return None, {}
    scope = info.get("scope", {})
    if not isinstance(scope, dict) or not all(_int_or_none(v) is not None for v in scope.values()):
        raise ItfError(trace.path, '"#meta".ioakit.scope must be an object of integers')
    return info["machine"], dict(scope)


# -- decoding against a machine ----------------------------------------------------------------

_UNKNOWN: Final = object()
"""A hidden variable the file does not give (any value of its type is consistent with it)."""


@dataclass(frozen=True)
class ItfState:
    """One ITF state decoded against a machine: its values in the machine's variable order (a
    hidden variable the file omits is ``_UNKNOWN``), and the action that led to it if recorded."""

    index: int
    values: tuple[Any, ...]
    action: str | None = None
    picks: dict[str, Any] | None = None
    """Parameter name -> concrete value, for the parameters the file gives (``Some``)."""

    @property
    def complete(self) -> bool:
        return all(v is not _UNKNOWN for v in self.values)

    def matches(self, s: tuple[Any, ...]) -> bool:
        """Whether the machine state ``s`` agrees with every value the file gives."""
        return all(v is _UNKNOWN or v == x for v, x in zip(self.values, s))


def itf_states(m: Any, trace: ItfTrace, *, actions: bool = True) -> list[ItfState]:
    """Decode every state of ``trace`` against machine ``m``'s schema.

    Every variable of ``m`` must be in ``vars``, except hidden ones (ioakit's environment
    counters, which a file written elsewhere does not know); a variable ``m`` does not have is
    an error, except Quint's ``mbt::`` variables, which give the action taken (ignored with
    ``actions=False``: a Quint spec whose actions are named otherwise than ``m``'s)."""
    path = trace.path
    known = set(m.var_names)
    extra = [n for n in trace.vars if n not in known and n not in MBT_VARS]
    if extra:
        raise ItfError(path, f"{m.name} has no variable {', '.join(extra)} (its variables: {', '.join(m.var_names)})")
    missing = [n for n in m.var_names if n not in trace.vars and n not in m.hidden_vars]
    if missing:
        raise ItfError(path, f"the trace lacks {m.name}'s variable(s) {', '.join(missing)} (not in vars)")
    families = {f.name: f for f in m.families}
    out = []
    for i, s in enumerate(trace.states):
        vals = []
        for n, t in m.variables:
            if n not in s:
                vals.append(_UNKNOWN)
                continue
            try:
                vals.append(decode_value(t, s[n]))
            except _ValueError as e:
                raise ItfError(path, f"{n}{e.at}: {e.message}" if e.at else e.message, state=i, variable=n) from None
        action, picks = None, None
        if ACTION_TAKEN in s and actions:
            action = s[ACTION_TAKEN]
            if not isinstance(action, str):
                raise ItfError(path, f"expected an action name, got {_short(action)}", state=i, variable=ACTION_TAKEN)
            if action not in families and action.replace("-", "_") in families:  # the paper's spelling
                action = action.replace("-", "_")
            if i > 0 and action not in families:
                raise ItfError(
                    path,
                    f"{m.name} has no action {action!r} (actions: {', '.join(families)})",
                    state=i,
                    variable=ACTION_TAKEN,
                )
        if NONDET_PICKS in s and i > 0 and actions:
            picks = _decode_picks(path, i, s[NONDET_PICKS], families.get(action) if action else None)
        out.append(ItfState(i, tuple(vals), action if i > 0 else None, picks))
    return out


def _decode_picks(path: str, i: int, j: Any, family: Any) -> dict[str, Any] | None:
    """The ``Some`` picks of a state as concrete parameter values (by the family's parameter
    types); without a known action they cannot be typed and are ignored. A name that is no
    parameter of the action is accepted only as ``None`` (Quint records every ``nondet`` of the
    spec in every state)."""
    if not isinstance(j, dict):
        raise ItfError(path, f"expected a record of picks, got {_short(j)}", state=i, variable=NONDET_PICKS)
    if family is None:
        return None
    types = dict(family.params)
    out = {}
    for n, opt in j.items():
        if n not in types:
            if opt == _none():  # Quint lists every nondet name of the spec, None where unused
                continue
            raise ItfError(
                path,
                f"action {family.name} has no parameter {n!r} (parameters: {', '.join(types) or 'none'})",
                state=i,
                variable=NONDET_PICKS,
            )
        try:
            present, payload = _option(opt, f".{n}")
            if present:
                out[n] = decode_value(types[n], payload, f".{n}.value")
        except _ValueError as e:
            raise ItfError(path, f"{NONDET_PICKS}{e.at}: {e.message}", state=i, variable=NONDET_PICKS) from None
    return out


# -- checking: is the ITF trace an execution of the machine? -----------------------------------


@dataclass(frozen=True)
class ItfCheckReport:
    """Whether an ITF trace is an execution of a machine whose states satisfy given properties:
    ``ioakit trace FILE.itf.json --machine M``'s report (``ioakit.results.Report``)."""

    path: str
    machine: str
    scope: dict[str, int]
    verdict: Verdict
    states: int
    steps_checked: int
    properties: tuple[str, ...]
    failure: str = ""
    """What is wrong, located by state index (empty when the verdict is OK)."""
    failed_state: int | None = None
    failed_property: str | None = None
    actions: tuple[str, ...] = ()
    """The action of each step (recorded, or the one that matched)."""
    omitted: tuple[str, ...] = ()
    """Hidden variables the file does not give (matched against every value)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "machine": self.machine,
            "scope": self.scope,
            "verdict": self.verdict.value,
            "states": self.states,
            "steps_checked": self.steps_checked,
            "properties": list(self.properties),
            "failure": self.failure or None,
            "failed_state": self.failed_state,
            "failed_property": self.failed_property,
            "actions": list(self.actions),
            "omitted_hidden_variables": list(self.omitted),
        }

    def show(self) -> str:
        scope = ", ".join(f"{k}={v}" for k, v in self.scope.items())
        lines = [f"{self.path}: ITF trace of {self.states} state(s) checked against {self.machine} [{scope}]"]
        if self.omitted:
            lines.append(f"  hidden variables not in the file (any value accepted): {', '.join(self.omitted)}")
        lines.append(f"  steps that are steps of {self.machine}: {self.steps_checked} of {max(self.states - 1, 0)}")
        props = self.properties
        names = ", ".join(props) if len(props) <= 6 else f"{len(props)} ({props[0]} … {props[-1]})"
        lines.append(f"  properties checked in every state: {names or 'none'}")
        if self.failure:
            lines.append(f"  {self.failure}")
        lines.append(f"verdict: {self.verdict.value}")
        return "\n".join(lines)


def check_itf(
    m: Any,
    trace: ItfTrace,
    properties: Iterable[Any] = (),
    step_properties: Sequence[Any] = (),
    *,
    actions: bool = True,
) -> ItfCheckReport:
    """Check that ``trace`` is an execution of ``m``, that ``properties`` (explorer
    ``Property`` objects) hold in each of its states and ``step_properties`` (an invariant file's
    ``step`` items, ``ioakit.lang.steps.StepProperty``) on each of its steps.

    State 0 must be a start state; each later state must be reached from the one before by an
    enabled action instance (``m.compiled().successors``), of the recorded ``mbt::actionTaken``
    and with the recorded ``mbt::nondetPicks`` when the file has them. Hidden variables the
    file omits are matched against every value: the check keeps the set of machine states
    consistent with the file so far. A property is VIOLATED in a state when it is false in
    every machine state consistent with it (with all variables given: in that state), and not
    judged (UNKNOWN) when it is false in only some of them. The first failure is reported by its
    state index. With ``actions=False`` the recorded actions are ignored (any enabled action may
    take each step)."""
    from ioakit.backends.codegen import compile_terms

    props = list(properties)
    step_checks = None
    if step_properties:
        from ioakit.engines.steps import StepChecks

        step_checks = StepChecks(m, step_properties)
    fns: list[Callable[[tuple[Any, ...]], Any]] = compile_terms(m, [p.term for p in props]) if props else []
    states = itf_states(m, trace, actions=actions)
    omitted = tuple(n for n in m.var_names if n not in trace.vars)
    succ = m.compiled().successors
    base: dict[str, Any] = {
        "path": trace.path,
        "machine": m.name,
        "scope": m.scope.as_dict(),
        "states": len(states),
        "properties": tuple(p.name for p in props) + tuple(sp.name for sp in step_properties),
        "omitted": omitted,
    }
    actions: list[str] = []

    def done(
        verdict: Verdict, steps: int, failure: str = "", at: int | None = None, prop: str | None = None
    ) -> ItfCheckReport:
        return ItfCheckReport(
            verdict=verdict,
            steps_checked=steps,
            failure=failure,
            failed_state=at,
            failed_property=prop,
            actions=tuple(actions),
            **base,
        )

    undecided: list[tuple[int, str]] = []

    def judge(i: int, cands: list[tuple[Any, ...]]) -> ItfCheckReport | None:
        for p, f in zip(props, fns):
            held = [bool(f(s)) for s in cands]
            if not any(held):
                why = f"state {i}: {p.name} is violated ({p.reference or p.description})"
                return done(Verdict.VIOLATED, i, why, i, p.name)
            if not all(held):  # it depends on the values of hidden variables the file omits
                undecided.append((i, p.name))
        return None

    first = states[0]
    cands = [s for s in m.start_states if first.matches(s)]
    if not cands:
        why = f"state 0 is not a start state of {m.name}{_diff(m, first, m.start_states)}"
        return done(Verdict.VIOLATED, 0, why, 0)
    bad = judge(0, cands)
    if bad is not None:
        return bad
    for st in states[1:]:
        i = st.index
        nxt: dict[tuple[Any, ...], None] = {}
        cut, took = 0, ""
        transitions: list[tuple[int, tuple[Any, ...], tuple[Any, ...]]] = []
        tried: list[tuple[Any, ...]] = []
        for pre in cands:
            for k, post in succ(pre):
                a = m.actions[k]
                if st.action is not None and a.name != st.action:
                    continue
                if st.picks:
                    args = dict(zip((n for n, _ in a.family.params), m.args_of(k, pre)))
                    if any(args.get(n) != v for n, v in st.picks.items()):
                        continue
                if post is None:
                    cut += 1
                    continue
                tried.append(post)
                if st.matches(post):
                    nxt[post] = None
                    took = took or a.name
                    if step_checks is not None:
                        transitions.append((k, pre, post))
        if not nxt:
            what = f" by {st.action}" if st.action else ""
            if st.picks:
                what += "(" + ", ".join(f"{n}={_show_arg(m, st.action, n, v)}" for n, v in st.picks.items()) + ")"
            if cut:
                return done(
                    Verdict.INCOMPLETE,
                    i - 1,
                    f"state {i}: the step{what} from state {i - 1} leaves {m.name}'s scope {m.scope}; check stopped",
                    i,
                )
            return done(
                Verdict.VIOLATED,
                i - 1,
                f"state {i} is not reached from state {i - 1} by any enabled action of {m.name}{what}"
                + _diff(m, st, tried),
                i,
            )
        if len(nxt) > MAX_CANDIDATES:
            return done(
                Verdict.INCOMPLETE, i, f"state {i}: more than {MAX_CANDIDATES:,} states of {m.name} are consistent", i
            )
        actions.append(st.action or took)
        cands = list(nxt)
        if step_checks is not None:
            broken = [set(step_checks.broken(k, pre, post)) for k, pre, post in transitions]
            for j, sp in enumerate(step_properties):
                n = sum(1 for b in broken if j in b)
                if n == len(broken):
                    why = f"state {i}: the step into it violates {sp.name} ({sp.reference or sp.description})"
                    return done(Verdict.VIOLATED, i - 1, why, i, sp.name)
                if n:
                    undecided.append((i, sp.name))
        bad = judge(i, cands)
        if bad is not None:
            return bad
    if undecided:
        i, name = undecided[0]
        why = (
            f"state {i}: {name} holds in some but not all states of {m.name} consistent with the file "
            f"(it depends on the omitted hidden variables {', '.join(omitted)}); not judged"
        )
        return done(Verdict.UNKNOWN, len(states) - 1, why, i, name)
    return done(Verdict.OK, len(states) - 1)


def _show_arg(m: Any, action: str | None, name: str, v: Any) -> str:
    for f in m.families:
        if f.name == action:
            return dict(f.params)[name].show(v)
    return repr(v)


def _diff(m: Any, st: ItfState, candidates: Sequence[tuple[Any, ...]]) -> str:
    """The variables in which the closest candidate state differs from the file's state."""
    if not candidates:
        return " (no action is enabled there)" if st.action is None else ""
    best = min(candidates, key=lambda s: sum(1 for v, x in zip(st.values, s) if v is not _UNKNOWN and v != x))
    diffs = [
        f"{n} = {t.show(v)} in the file, {t.show(x)} in the closest"
        for (n, t), v, x in zip(m.variables, st.values, best)
        if v is not _UNKNOWN and v != x
    ]
    return "; it differs from the closest candidate in " + "; ".join(diffs[:4]) if diffs else ""


# -- ioakit trace files (traces/FORMAT.md) -> ITF ----------------------------------------------


def trace_file_to_itf(path: str | Path) -> tuple[Any, dict[str, Any]]:
    """The machine named by an ioakit trace file's header (at the header's scope) and the ITF
    document of the execution the file records.

    A state comes from the event's snapshot when it is complete (``ioakit simulate --record``
    writes them); otherwise the event is replayed on the machine from the state before: the
    action of the event's name and arguments must then be enabled and lead to one state
    (agreeing with the snapshot's variables, if a partial snapshot is given)."""
    from ioakit import registry  # lazy: the registry is the papers' layer, above this one
    from ioakit.traces.format import TraceFormatError, read_trace

    p = str(path)
    try:
        header, events = read_trace(path)
    except OSError as e:
        raise UserError(f"{p}: {e.strerror}") from None
    if ":" in header.automaton:  # a trace file is data: its header never makes ioakit import a file
        raise TraceFormatError(p, 1, f"the automaton {header.automaton!r} is a reference to code, not a machine name")
    try:
        spec = registry.get_spec(header.automaton)
    except registry.RegistryError as e:
        raise TraceFormatError(p, 1, str(e)) from None
    from ioakit.traces.validate import header_scope, validated_events

    scope = header_scope(header, p)  # bounded before the build that grows with it
    events = validated_events(header, events, p)  # every event an action of the header's automaton
    params = {sp.name for sp in spec.parameters}
    m = spec.build({k: v for k, v in scope.items() if k in params and _int_or_none(v) is not None})
    if header.start_state is not None:
        start = _decode_snapshot(m, header.start_state, p, 1)
        if isinstance(start, dict):
            raise TraceFormatError(p, 1, f"start_state lacks {', '.join(sorted(start['missing']))}")
    elif len(m.start_states) == 1:
        start = m.start_states[0]
    else:
        raise TraceFormatError(p, 1, f"{m.name} has {len(m.start_states)} start states: the header needs start_state")
    by_name: dict[str, list[int]] = {}
    for k, a in enumerate(m.actions):
        by_name.setdefault(a.name, []).append(k)
    steps_fn = m.compiled().steps
    steps: list[tuple[int, tuple[Any, ...]]] = []
    pre = start
    for n, ev in enumerate(events):
        line = n + 2
        name = ev.action if ev.action in by_name else ev.action.replace("-", "_")
        if name not in by_name:
            raise TraceFormatError(p, line, f"{m.name} has no action {ev.action}")
        snap = _decode_snapshot(m, ev.state, p, line) if ev.state is not None else None
        shown = f"{ev.action}{json.dumps(ev.args, sort_keys=True)}"
        options = []
        for k in by_name[name]:
            if m.args_json_of(k, pre) != ev.args:
                continue
            post = steps_fn[k](pre)
            if post is None or not isinstance(post, tuple):
                continue
            if isinstance(snap, tuple) and post != snap:
                continue
            if isinstance(snap, dict) and any(post[m.var_index(v)] != x for v, x in snap["given"].items()):
                continue
            options.append((k, post))
        if isinstance(snap, tuple) and not options:
            # a complete snapshot whose step is not a step of the model: keep the recorded state,
            # with the instance the name and arguments select (the ITF says what the file says)
            ks = [k for k in by_name[name] if m.args_json_of(k, pre) == ev.args]
            if not ks:
                raise TraceFormatError(p, line, f"{shown} is no action instance of {m.name}")
            options = [(ks[0], snap)]
        if not options:
            raise TraceFormatError(p, line, f"{shown} is not a step of {m.name} from the state before it")
        if len({post for _, post in options}) > 1:
            raise TraceFormatError(p, line, f"{ev.action} leads to {len(options)} different states; record snapshots")
        steps.append(options[0])
        pre = options[0][1]
    by = f"ioakit trace --to-itf {Path(p).name}"
    doc = states_to_itf(m, start, steps, created_by=by, seed=_int_or_none(header.seed))
    return m, doc


def _int_or_none(x: Any) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) else None


def _decode_snapshot(m: Any, j: Any, path: str, line: int) -> Any:
    """A complete snapshot as a state; a partial one as ``{"given": {var: value}, "missing": set}``."""
    from ioakit.traces.format import TraceFormatError

    if not isinstance(j, dict):
        raise TraceFormatError(path, line, "a state snapshot is an object")
    given: dict[str, Any] = {}
    for n, t in m.variables:
        v = j.get(n, j.get(n.replace("_", "-"), _UNKNOWN))
        if v is _UNKNOWN:
            continue
        try:
            given[n] = t.from_json(v)
        except UserError as e:
            raise TraceFormatError(path, line, f"state variable {n}: {e}") from None
    if len(given) == len(m.variables):
        return tuple(given[n] for n in m.var_names)
    return {"given": given, "missing": set(m.var_names) - set(given)}
