"""ioakit.traces: the trace format (``FORMAT.md``), its reader and writer, and trace properties.

See :mod:`ioakit.traces.format` for reading/writing JSON Lines traces and
:mod:`ioakit.traces.fls.checkers` for the checkers of Fekete-Lynch-Shvartsman's Lemma 4.2
(VS-machine) and TO-machine trace membership; :mod:`ioakit.traces.itf` reads, writes and checks
ITF, the trace format of Apalache and Quint (``ITF.md``).
"""

from ioakit.traces.fls.checkers import (
    TOTraceResult,
    TracePropertyResult,
    VSCauseResult,
    check_to_trace,
    check_vs_cause,
    vs_initial_members,
)
from ioakit.traces.format import (
    Event,
    TraceFormatError,
    TraceHeader,
    TraceReader,
    TraceWriter,
    dumps_trace,
    events_from_jsonl,
    external_events,
    loads_trace,
    read_trace,
    write_trace,
)

__all__ = [
    "Event",
    "TOTraceResult",
    "TraceFormatError",
    "TraceHeader",
    "TracePropertyResult",
    "TraceReader",
    "TraceWriter",
    "VSCauseResult",
    "check_to_trace",
    "check_vs_cause",
    "dumps_trace",
    "events_from_jsonl",
    "external_events",
    "loads_trace",
    "read_trace",
    "vs_initial_members",
    "write_trace",
]
