"""Linearizability of a multi-writer multi-reader (MWMR) register history, Definition 3.1 of
Aguilera, Keidar, Malkhi, Shraer, *Dynamic Atomic Storage Without Consensus* (J. ACM 58(2), 2011;
Section 3, "Safety Specification").

What is judged. A history σ is linearizable iff σ|RW (its read and write events, reconfig events
dropped) can be extended by appending zero or more responses to a history σ', and some sequential
permutation π of the complete operations of σ' (1) preserves the real-time order of σ and (2)
satisfies the sequential specification: "each read operation returns the value written by the
most recent preceding write operation, if there is one, and the initial value ⊥ otherwise".
Consequences used here (each is forced by the definition, not a choice):

* a **pending write** (invoked, no response: still running at the end, or abandoned by a crash)
  may or may not take effect: appending its response puts it in π, not appending leaves it out;
* a **pending read** is dropped: appending a response for it could only add a read whose value is
  ours to choose, which constrains nothing;
* ⊥ is the initial value and is never written. The paper is ambiguous here: Section 3 says
  "Initially, the service holds a special value ⊥ ∈ V" and "a write is invoked [...] with a value
  x ∈ V", which would allow write(⊥); but the algorithm's variables range over ``V ∪ {⊥}``
  (Algorithm 2, lines 2 and 4: v_i, vmax_i ∈ V ∪ {⊥}) and written values are unique. We read ⊥ as
  not writable: a written ⊥ would make "the initial value" and "a written value" one value, and
  the contract makes ``write`` of ``null`` malformed.

Two algorithms (``check_linearizable``; ``method="auto"`` picks):

* **Search** (any history; written values may repeat): the Wing–Gong backtracking search
  (Wing, Gong, *Testing and verifying concurrent objects*, JPDC 17(1), 1993) over the history's
  call/return entries, with Lowe's memoisation (Lowe, *Testing for linearizability*, CCPE 29(4),
  2017) of the configurations already tried: the set of operations linearized so far together
  with the register's value. A configuration is never expanded twice, which keeps the search
  small when few operations are concurrent (the linearized sets met are then mostly "every
  operation up to some point, plus some of the few in flight"); in general the problem is
  NP-complete (Gibbons and Korach, below) and the search exponential. Pending writes whose value
  no read returns are dropped first (they never need to take effect). The linearized set is kept
  as an integer bitset; the key stored is the
  bitset shifted past its prefix of linearized operations (operations are numbered by invocation,
  so the stored key stays small however long the history), pending writes in a bitset of their
  own. The search is bounded (``max_configurations``): beyond it the verdict is *undecided*,
  never "linearizable".
* **Zones** (written values unique, as the paper assumes: "no value is written more than once",
  Section 3): each read's write is known from its value, and linearizability is decided in
  O(n log n) by the characterisation of Gibbons and Korach (*Testing shared memories*, SIAM J.
  Comput. 26(4), 1997, for a single location with a read-mapping; in the "zone" form of Golab,
  Li, Shah, *Analyzing consistency properties for fun and profit*, PODC 2011): group a write with
  the reads returning its value (a *cluster*; the reads of ⊥ with a virtual write before the
  history). With f = the least response index and s = the greatest invocation index of a
  cluster, its zone is *forward* [f, s] when f < s and *backward* [s, f] otherwise. The history
  is linearizable iff (i) every read returns a written value (or ⊥), (ii) no read precedes its
  write, (iii) no two forward zones overlap and (iv) no backward zone lies inside a forward zone.
  A pending write nobody reads is dropped (it may not take effect); one that is read takes effect
  (its response is appended: response index ∞). The tests compare both algorithms with a brute
  force over permutations (``tests/traces/test_dynastore_linearizability.py``).

Witnesses. When the history is not linearizable, :func:`shrink` returns a sub-history that is
still not linearizable and from which removing any one operation makes it linearizable. A write is
removed together with the reads it leaves unjustified: a read of v keeps a write of v in the
sub-history — one invoked before the read's response if the full history had one — or goes too
(else every history that reads a value would shrink to a lone read of a value "never written", or
to a read and a *later* write of its value, hiding a stale read behind a read-before-write).
Dropping operations can make a history linearizable, so the shrinking is greedy and re-checks each
candidate: first the shortest non-linearizable prefix (linearizability is prefix-closed: a
linearization of a history restricted to the operations invoked before a cut, those still running
there becoming pending, is one of the prefix), then chunks and single operations (as delta
debugging), until no single removal keeps it non-linearizable. :func:`timeline` prints it.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "DEFAULT_MAX_CONFIGURATIONS",
    "MAX_TIMELINE_OPS",
    "SHRINK_MAX_CONFIGURATIONS",
    "LinearizabilityResult",
    "RWOp",
    "SearchBudgetExceeded",
    "Value",
    "check_linearizable",
    "is_linearizable",
    "shrink",
    "timeline",
    "unique_values",
]

Value = str | int
"""A written value: a JSON string or integer (``None`` stands for ⊥, which is never written)."""

DEFAULT_MAX_CONFIGURATIONS: Final = 2_000_000
"""The configurations (linearized set, register value) the search may store before it gives up
with an undecided verdict: a few hundred MB at most, tens of seconds of search."""

_INF: Final = float("inf")


@dataclass(frozen=True)
class RWOp:
    """One read or write of a history.

    * ``kind`` — ``"read"`` or ``"write"``; ``p`` the process;
    * ``inv`` / ``res`` — the invocation and response event indices (``res`` is ``None`` when the
      operation is pending at the end of the history, or was abandoned by a crash);
    * ``value`` — for a write, the value written; for a read, the value returned (``None``: ⊥;
      meaningless for a pending read, which is dropped).
    """

    kind: str
    p: str
    inv: int
    res: int | None
    value: Value | None = None

    @property
    def complete(self) -> bool:
        return self.res is not None

    def describe(self) -> str:
        """``write(5)``, ``read() → ⊥``, ``read() (pending)``."""
        if self.kind == "write":
            return f"write({_show(self.value)})"
        return f"read() → {_show(self.value)}" if self.res is not None else "read() (pending)"


def _show(v: Value | None) -> str:
    if v is None:
        return "⊥"
    return repr(v) if isinstance(v, str) else str(v)


def _relevant(ops: Iterable[RWOp]) -> list[RWOp]:
    """σ|RW extended as Definition 3.1 allows: pending reads dropped (module docstring)."""
    out = []
    for o in ops:
        if o.kind not in ("read", "write"):
            raise ValueError(f"not a read or write: {o.kind!r}")
        if o.res is not None and o.res <= o.inv:
            raise ValueError(f"{o.describe()} by {o.p}: response index {o.res} not after invocation {o.inv}")
        if o.kind == "write" and o.value is None:
            raise ValueError(f"write by {o.p} at {o.inv}: ⊥ is never written")
        if o.kind == "read" and o.res is None:
            continue
        out.append(o)
    return out


def unique_values(ops: Iterable[RWOp]) -> bool:
    """True iff no value is written twice (the paper's assumption, Section 3)."""
    seen: set[Value] = set()
    for o in ops:
        if o.kind == "write":
            key = _key(o.value)
            if key in seen:
                return False
            seen.add(key)
    return True


def _key(v: Value | None) -> tuple[str, Value | None]:
    """Values compare by type too: the integer 1 and the string "1" are different values."""
    return (type(v).__name__, v)


# ---------------------------------------------------------------------------------------------
# The zone check (unique written values).


@dataclass(frozen=True)
class _Violation:
    reason: str
    ops: tuple[RWOp, ...]


def _zones(ops: Sequence[RWOp]) -> _Violation | None:
    """Gibbons–Korach's conditions (i)–(iv) (module docstring) on ``ops`` (pending reads already
    dropped, written values unique): ``None`` when linearizable, else a violation naming at most
    six operations that are by themselves not linearizable."""
    writes: dict[tuple[str, Value | None], RWOp] = {}
    for o in ops:
        if o.kind == "write":
            writes[_key(o.value)] = o
    readers: dict[tuple[str, Value | None], list[RWOp]] = defaultdict(list)
    for r in ops:
        if r.kind != "read":
            continue
        assert r.res is not None
        k = _key(r.value)
        if r.value is not None:
            w = writes.get(k)
            if w is None:
                return _Violation(f"{r.describe()} by {r.p} returns a value no operation writes", (r,))
            if r.res < w.inv:
                return _Violation(
                    f"{r.describe()} by {r.p} returns before {w.describe()} by {w.p}, the only write of "
                    f"{_show(r.value)}, is invoked",
                    (w, r),
                )
        readers[k].append(r)
    # clusters: (f, s, the ops realising f and s, the write or None for ⊥'s virtual write)
    zones: list[tuple[float, float, tuple[RWOp, ...], str]] = []
    for k, rs in readers.items():
        w = writes.get(k) if k[1] is not None else None
        members: list[RWOp] = list(rs) + ([w] if w is not None else [])
        f_op = min(members, key=lambda o: _INF if o.res is None else o.res)
        s_op = max(members, key=lambda o: o.inv)
        f: float = -1 if w is None else (_INF if f_op.res is None else f_op.res)
        if w is None:  # ⊥'s virtual write completes before the history starts
            f_op = s_op
        s = s_op.inv
        witness = tuple(dict.fromkeys(x for x in (w, f_op, s_op) if x is not None))
        zones.append((f, s, witness, _show(k[1])))
    for k, w in writes.items():
        if k not in readers and w.res is not None:  # an unread complete write: a backward zone
            zones.append((w.res, w.inv, (w,), _show(w.value)))
    forward = sorted((z for z in zones if z[0] < z[1]), key=lambda z: z[0])
    widest: tuple[float, float, tuple[RWOp, ...], str] | None = None
    for z in forward:
        if widest is not None and z[0] < widest[1]:
            return _Violation(
                f"the value {widest[3]} must hold from event {_ix(widest[0])} to event {_ix(widest[1])} and the value "
                f"{z[3]} from event {_ix(z[0])} to event {_ix(z[1])}: these overlap (two forward zones)",
                widest[2] + z[2],
            )
        if widest is None or z[1] > widest[1]:
            widest = z
    starts = [z[0] for z in forward]
    for z in zones:
        if z[0] < z[1]:
            continue
        lo, hi = z[1], z[0]  # backward zone [s, f]
        j = bisect.bisect_left(starts, lo) - 1
        if j >= 0 and forward[j][1] > hi:
            fz = forward[j]
            return _Violation(
                f"the value {fz[3]} must hold from event {_ix(fz[0])} to event {_ix(fz[1])}, but the operations of "
                f"{z[3]} all overlap events {_ix(lo)}–{_ix(hi)}, inside that span (a backward zone inside a "
                "forward zone)",
                fz[2] + z[2],
            )
    return None


def _ix(t: float) -> str:
    return "(start)" if t < 0 else str(int(t))


# ---------------------------------------------------------------------------------------------
# The Wing–Gong–Lowe search (any history).


class SearchBudgetExceeded(Exception):
    """The search stored ``max_configurations`` configurations without deciding."""


def _search(ops: Sequence[RWOp], max_configurations: int) -> tuple[bool, int]:
    """Is ``ops`` (pending reads already dropped) linearizable? ``(answer, configurations stored)``;
    raises :class:`SearchBudgetExceeded` past the budget.

    The entries (calls and returns, in event order) form a doubly linked list; the search walks it
    from the head: a call whose operation can take effect in the current register value is
    *lifted* (its call and return removed from the list) unless the configuration it leads to was
    seen before; reaching a return means that operation cannot be linearized before the ones still
    listed, so the last lift is undone. Success: every complete operation linearized (pending writes
    have no return entry, so they are never forced)."""
    complete = sorted((o for o in ops if o.res is not None), key=lambda o: o.inv)
    # a pending write whose value no read returns never needs to take effect: removing it from a
    # linearization leaves every read's value as it was (no read returns its value), so it is
    # dropped — each one kept would double the configurations
    returned = {_key(o.value) for o in complete if o.kind == "read"}
    pending = [o for o in ops if o.res is None and _key(o.value) in returned]
    m = len(complete)
    # entries: (time, is_call, slot); slot = op position: 0..m-1 complete, m.. pending writes
    allops = complete + pending
    entries: list[tuple[int, bool, int]] = []
    for i, o in enumerate(allops):
        entries.append((o.inv, True, i))
        if o.res is not None:
            entries.append((o.res, False, i))
    entries.sort()
    n_e = len(entries)
    head, end = n_e, n_e + 1
    nxt = list(range(1, n_e + 1)) + [0, end]
    prv = [head] + list(range(0, n_e - 1)) + [end, end]
    nxt[head] = 0 if n_e else end
    if n_e:
        prv[0] = head
        nxt[n_e - 1] = end
    prv[end] = n_e - 1 if n_e else head
    is_call = [e[1] for e in entries]
    slot = [e[2] for e in entries]
    match = [-1] * n_e  # call entry -> its return entry (or -1)
    call_of = [-1] * len(allops)
    for ei in range(n_e):
        if is_call[ei]:
            call_of[slot[ei]] = ei
    for ei in range(n_e):
        if not is_call[ei]:
            match[call_of[slot[ei]]] = ei
    is_write = [o.kind == "write" for o in allops]
    value = [_key(o.value) if o.value is not None else None for o in allops]

    def lift(ei: int) -> None:
        nxt[prv[ei]] = nxt[ei]
        prv[nxt[ei]] = prv[ei]
        r = match[ei]
        if r >= 0:
            nxt[prv[r]] = nxt[r]
            prv[nxt[r]] = prv[r]

    def unlift(ei: int) -> None:
        r = match[ei]
        if r >= 0:
            prv[nxt[r]] = r
            nxt[prv[r]] = r
        prv[nxt[ei]] = ei
        nxt[prv[ei]] = ei

    cache: set[tuple[int, int, int, object]] = set()
    stack: list[tuple[int, object, int, int]] = []
    state: object = None
    cbits = 0
    pbits = 0
    left = m
    entry = nxt[head]
    while left:
        if entry == end:  # cannot happen: a return entry of an unlinearized op is still listed
            raise AssertionError("search walked past every entry")
        if is_call[entry]:
            i = slot[entry]
            if is_write[i]:
                new_state: object = value[i]
            elif value[i] == state:
                new_state = state
            else:
                entry = nxt[entry]
                continue
            if i < m:
                nc, np_ = cbits | (1 << i), pbits
            else:
                nc, np_ = cbits, pbits | (1 << (i - m))
            lo = ((~nc) & (nc + 1)).bit_length() - 1  # the linearized prefix 0..lo-1
            key = (lo, nc >> lo, np_, new_state)
            if key in cache:
                entry = nxt[entry]
                continue
            cache.add(key)
            if len(cache) > max_configurations:
                raise SearchBudgetExceeded(len(cache))
            stack.append((entry, state, cbits, pbits))
            lift(entry)
            state, cbits, pbits = new_state, nc, np_
            if i < m:
                left -= 1
            entry = nxt[head]
        else:
            if not stack:
                return False, len(cache)
            ei, state, cbits, pbits = stack.pop()
            unlift(ei)
            if slot[ei] < m:
                left += 1
            entry = nxt[ei]
    return True, len(cache)


# ---------------------------------------------------------------------------------------------
# The public check.


@dataclass(frozen=True)
class LinearizabilityResult:
    """The verdict of :func:`check_linearizable`.

    * ``linearizable`` — True / False, or ``None`` when the search ran out of its budget
      (undecided: never reported as linearizable);
    * ``method`` — ``"zones"`` or ``"search"``; ``configurations`` the configurations the search
      stored (0 for zones);
    * ``witness`` — when not linearizable, a shrunk non-linearizable sub-history (:func:`shrink`),
      in invocation order, and ``reason`` what the zone check saw (empty for the search);
    * ``operations`` — how many read/write operations were judged (pending reads dropped).
    """

    linearizable: bool | None
    method: str
    operations: int
    configurations: int = 0
    witness: tuple[RWOp, ...] = ()
    reason: str = ""
    minimal: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


def is_linearizable(
    ops: Iterable[RWOp], *, method: str = "auto", max_configurations: int = DEFAULT_MAX_CONFIGURATIONS
) -> bool:
    """Definition 3.1 on ``ops`` (a history's reads and writes), True / False; raises
    :class:`SearchBudgetExceeded` when the search cannot decide within its budget. ``method``:
    ``"zones"`` (written values must be unique), ``"search"``, or ``"auto"`` (zones when the
    written values are unique)."""
    rel = _relevant(ops)
    return _decide(rel, method, max_configurations)[0]


def _decide(rel: Sequence[RWOp], method: str, max_configurations: int) -> tuple[bool, str, int, _Violation | None]:
    if method not in ("auto", "zones", "search"):
        raise ValueError(f"method must be auto, zones or search, not {method!r}")
    uniq = unique_values(rel)
    if method == "zones" and not uniq:
        raise ValueError("the zone check needs unique written values (some value is written twice)")
    if method == "zones" or (method == "auto" and uniq):
        v = _zones(rel)
        return v is None, "zones", 0, v
    ok, configurations = _search(rel, max_configurations)
    return ok, "search", configurations, None


def check_linearizable(
    ops: Iterable[RWOp],
    *,
    method: str = "auto",
    max_configurations: int = DEFAULT_MAX_CONFIGURATIONS,
    witness: bool = True,
) -> LinearizabilityResult:
    """Judge Definition 3.1 on the reads and writes ``ops`` (module docstring); with ``witness``,
    a non-linearizable history comes with a shrunk non-linearizable sub-history."""
    rel = _relevant(ops)
    try:
        ok, used, configurations, violation = _decide(rel, method, max_configurations)
    except SearchBudgetExceeded as e:
        return LinearizabilityResult(
            None,
            "search",
            len(rel),
            int(e.args[0]),
            notes=(
                f"the search stored {max_configurations:,} configurations (linearized set, value) without "
                "deciding: not judged",
            ),
        )
    if ok:
        return LinearizabilityResult(True, used, len(rel), configurations)
    if not witness:
        reason = violation.reason if violation else ""
        return LinearizabilityResult(False, used, len(rel), configurations, reason=reason)
    start = list(violation.ops) if violation is not None else None
    small, minimal = shrink(rel, start=start, max_configurations=min(max_configurations, SHRINK_MAX_CONFIGURATIONS))
    return LinearizabilityResult(
        False,
        used,
        len(rel),
        configurations,
        witness=tuple(small),
        reason=violation.reason if violation else "",
        minimal=minimal,
    )


# ---------------------------------------------------------------------------------------------
# Shrinking.


def _removal(cur: Sequence[RWOp], drop: set[int], needs: dict[int, bool]) -> list[RWOp]:
    """``cur`` without the positions ``drop`` and without the reads left unjustified: a read in
    ``needs`` keeps a write of its value among the operations kept — one invoked before the read's
    response when ``needs`` says so (the full history had one), any otherwise."""
    kept = [o for i, o in enumerate(cur) if i not in drop]
    first: dict[tuple[str, Value | None], int] = {}
    for o in kept:
        if o.kind == "write":
            k = _key(o.value)
            first[k] = min(first.get(k, o.inv), o.inv)
    out = []
    for o in kept:
        before = needs.get(id(o))
        if o.kind == "read" and before is not None:
            t = first.get(_key(o.value))
            if t is None or (before and t >= (o.res or 0)):
                continue
        out.append(o)
    return out


def _needs(ops: Sequence[RWOp]) -> dict[int, bool]:
    """The complete reads of a value ≠ ⊥ that some write writes (by ``id``): True when a write of
    that value was invoked before the read's response, False when only later ones exist."""
    first: dict[tuple[str, Value | None], int] = {}
    for o in ops:
        if o.kind == "write":
            k = _key(o.value)
            first[k] = min(first.get(k, o.inv), o.inv)
    out: dict[int, bool] = {}
    for o in ops:
        if o.kind == "read" and o.value is not None and o.res is not None and _key(o.value) in first:
            out[id(o)] = first[_key(o.value)] < o.res
    return out


SHRINK_MAX_CONFIGURATIONS: Final = 200_000
"""The search budget of each re-check while shrinking (a candidate the search cannot decide within it
is not taken: the witness stays larger, reported as possibly not minimal)."""


def shrink(
    ops: Sequence[RWOp],
    *,
    start: Sequence[RWOp] | None = None,
    max_configurations: int = SHRINK_MAX_CONFIGURATIONS,
) -> tuple[list[RWOp], bool]:
    """A non-linearizable sub-history of the non-linearizable history ``ops``, as small as found
    (module docstring), and whether it is 1-minimal: removing any one of its operations (a write
    with the reads left without a write of their value) gives a linearizable history. It is not
    minimal only when a re-check ran out of the search budget (kept as non-linearizable only when
    known to be). ``start``, a non-linearizable sub-history already known (the zone check's), is
    shrunk instead of ``ops``."""
    rel = _relevant(ops)
    needs = _needs(rel)
    undecided = False

    def non_lin(sub: Sequence[RWOp]) -> bool:
        nonlocal undecided
        if not sub:
            return False
        try:
            return not _decide(sub, "auto", max_configurations)[0]
        except SearchBudgetExceeded:
            undecided = True
            return False

    original: dict[tuple[str, str, int], RWOp] = {(o.kind, o.p, o.inv): o for o in rel}
    if start is not None and non_lin(_relevant(start)):
        cur = sorted(_relevant(start), key=lambda o: o.inv)
    else:
        cur = sorted(rel, key=lambda o: o.inv)
        # a short non-linearizable prefix: cut at event T, ops still running there pending, reads
        # left unjustified dropped (hi is always non-linearizable: the search needs no monotonicity)
        times = sorted({o.inv for o in cur} | {o.res for o in cur if o.res is not None})
        lo, hi = 0, len(times) - 1  # invariant: the prefix up to times[hi] is non-linearizable
        while lo < hi:
            mid = (lo + hi) // 2
            if non_lin(_removal(_prefix(cur, times[mid]), set(), needs)):
                hi = mid
            else:
                lo = mid + 1
        if times:
            cur = _removal(_prefix(cur, times[hi]), set(), needs)
    cur = _delta(cur, non_lin, needs)
    # back to the very operations of the history: a write made pending by the prefix cut returns
    # again where it returned. The prefix of the result at the cut is what was shrunk, so it is
    # still not linearizable (prefix-closure); one more single-removal pass keeps it 1-minimal.
    restored = [original[(o.kind, o.p, o.inv)] for o in cur]
    if restored != cur:
        cur = _delta(restored, non_lin, needs, chunk=1)
    return cur, not undecided


def _delta(
    cur: list[RWOp], non_lin: Callable[[Sequence[RWOp]], bool], needs: dict[int, bool], chunk: int = 0
) -> list[RWOp]:
    """Chunks of ``chunk`` operations (half the history first), then halves of that, removed while
    the rest stays not linearizable (delta debugging); then single operations until none can go."""
    chunk = chunk or max(1, len(cur) // 2)
    while True:
        i = 0
        changed = False
        while i < len(cur):
            cand = _removal(cur, set(range(i, min(len(cur), i + chunk))), needs)
            if len(cand) < len(cur) and non_lin(cand):
                cur = cand
                changed = True
            else:
                i += chunk
        if chunk > 1:
            chunk //= 2
        elif not changed:
            return cur


def _prefix(ops: Sequence[RWOp], t: int) -> list[RWOp]:
    """The history cut after event ``t``: operations invoked by then, those answered later
    pending (their response not yet given: a read then dropped)."""
    out = []
    for o in ops:
        if o.inv > t:
            continue
        if o.res is not None and o.res > t:
            if o.kind == "read":
                continue
            o = RWOp(o.kind, o.p, o.inv, None, o.value)
        out.append(o)
    return out


# ---------------------------------------------------------------------------------------------
# Printing.


MAX_TIMELINE_OPS: Final = 60
"""The most operations :func:`timeline` draws (a 1-minimal witness is a handful; one the shrinking
could not finish may be long)."""


def timeline(ops: Sequence[RWOp], *, line_of: int = 2, indent: str = "  ") -> str:
    """The operations as a per-process timeline: one row per operation, grouped by process, an
    interval ``|===|`` drawn over the columns of their invocation and response (one column per
    event of ``ops``, labelled by file line = event index + ``line_of``; a pending write runs to
    the end, ``===>``), then each operation with its event indices and lines. At most
    :data:`MAX_TIMELINE_OPS` operations (the first by invocation), then how many more."""
    if not ops:
        return f"{indent}(no operations)"
    if len(ops) > MAX_TIMELINE_OPS:
        first = sorted(ops, key=lambda o: o.inv)[:MAX_TIMELINE_OPS]
        more = len(ops) - MAX_TIMELINE_OPS
        return timeline(first, line_of=line_of, indent=indent) + f"\n{indent}… and {more:,} more operations"
    points = sorted({o.inv for o in ops} | {o.res for o in ops if o.res is not None})
    col = {t: i for i, t in enumerate(points)}
    w = max(3, max(len(str(t + line_of)) for t in points) + 1)
    procs = sorted({o.p for o in ops}, key=_proc_key)
    labels = {id(o): f"{o.p} {o.describe()}" for o in ops}
    lw = max(len(x) for x in labels.values())
    head = " " * (lw + 2) + "".join(str(t + line_of).rjust(w) for t in points)
    rows = [f"{indent}{'file line:'.ljust(lw + 2)}{head[lw + 2 :]}"]
    for p in procs:
        for o in sorted((o for o in ops if o.p == p), key=lambda o: o.inv):
            a = col[o.inv]
            b = col[o.res] if o.res is not None else len(points) - 1
            cells = [" " * w] * len(points)
            bar = "|" + "=" * ((b - a) * w - 1) + ("|" if o.res is not None else ">")
            line = "".join(cells[:a]) + " " * (w - 1) + bar
            rows.append(f"{indent}{labels[id(o)].ljust(lw + 2)}{line}")
    rows.append(f"{indent}where:")
    for o in sorted(ops, key=lambda o: o.inv):
        ret = f"returns at event {o.res} (line {o.res + line_of})" if o.res is not None else "never returns (pending)"
        rows.append(f"{indent}  {o.p}: {o.describe()} invoked at event {o.inv} (line {o.inv + line_of}), {ret}")
    return "\n".join(rows)


def _proc_key(p: str) -> tuple[int, str]:
    digits = p[1:]
    return (int(digits), p) if digits.isdigit() else (1 << 60, p)
