"""Progress of long runs on a terminal: one status line on stderr, redrawn in place.

``Progress`` is what the command line hands to the engines' callback hooks
(``Explorer.progress``, ``Explorer.simulate(progress=...)``, ``Prover.bmc(progress=...)``,
``refine(progress=...)``, ``papers.run_all(started=...)``): each call is cheap, because redrawing is throttled to a few
times a second; on a terminal the line is redrawn with a carriage return and cleared at the end,
so the report that follows (on stdout) starts on a clean line. A bar is drawn where the total is
known (runs k/N, BMC depth k/K, jobs k/N, states against ``--max-states``), with the rate and the
time elapsed.

It writes only to its stream (stderr by default), never to stdout, so ``--json`` output stays one
valid JSON document. Whether it writes at all is ``wanted``: forced on (``--progress``, kept for
logs: then, on a stream that is not a terminal, one plain line per update, about once a second),
off with ``--quiet``, else on exactly when stderr is a terminal.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

__all__ = ["Progress", "bar", "wanted"]

TTY_INTERVAL = 0.2
"""Seconds between redraws on a terminal (a few a second: readable, and cheap)."""

LOG_INTERVAL = 1.0
"""Seconds between lines when forced on a stream that is not a terminal (a log file)."""

BAR_WIDTH = 20


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def wanted(*, quiet: bool = False, force: bool = False, stream: TextIO | None = None) -> bool:
    """Show progress? Never with ``quiet`` (it wins over ``force``); always with ``force``; else
    exactly when ``stream`` (stderr by default) is a terminal."""
    if quiet:
        return False
    if force:
        return True
    return _isatty(sys.stderr if stream is None else stream)


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """``[#####.....]  k/N`` — a text bar (ASCII, so any terminal and any log shows it)."""
    filled = min(width, width * max(done, 0) // max(total, 1)) if total > 0 else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}"


def _elapsed(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}" if s >= 60 else f"{seconds:.0f} s"


class Progress:
    """A status line for one long run.

    ``update(done, total=..., **figures)`` records where the run is (``done`` of ``total`` when
    known: a bar; then the rate in ``unit``/s unless ``rate=False``; ``figures`` are extra
    ``name value`` pairs such as ``depth``);
    the line is redrawn when the throttle allows. ``note(text)`` shows a line without figures (a
    phase: "induction on 14 invariants"). ``clear()`` removes the line (before other output on
    the same terminal); ``close()`` clears it for good. Disabled, every method does nothing.
    """

    def __init__(
        self,
        label: str,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        total: int | None = None,
        unit: str = "",
        rate: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = wanted(stream=self.stream) if enabled is None else enabled
        self.tty = _isatty(self.stream)
        self.label = label
        self.total = total
        self.unit = unit
        self.rate = rate
        self._clock = clock
        self._t0 = clock()
        self._next = self._t0  # the first update is drawn at once
        self._width = 0  # characters of the line on screen (tty), to blank it out
        self._closed = False

    @property
    def interval(self) -> float:
        return TTY_INTERVAL if self.tty else LOG_INTERVAL

    def text(self, done: int | None = None, figures: dict[str, object] | None = None, note: str = "") -> str:
        """The status line for these figures (what ``update`` draws)."""
        seconds = self._clock() - self._t0
        parts = [f"{self.label}:"]
        if note:
            parts.append(note)
        if done is not None:
            unit = f" {self.unit}" if self.unit else ""
            parts.append(bar(done, self.total) + unit if self.total is not None else f"{done:,}{unit}")
        for name, value in (figures or {}).items():
            parts.append(f"{name} {value:,}" if isinstance(value, int) else f"{name} {value}")
        if done is not None and self.rate and seconds >= 0.5:
            parts.append(f"{done / seconds:,.0f}{' ' + self.unit if self.unit else ''}/s")
        parts.append(_elapsed(seconds))
        return "  ".join(parts)

    def update(self, done: int | None = None, *, total: int | None = None, note: str = "", **figures: object) -> None:
        """Record progress (``note``: the phase, written before the bar); redraw if the last
        redraw is old enough."""
        if not self.enabled or self._closed:
            return
        if total is not None:
            self.total = total
        now = self._clock()
        if now < self._next:
            return
        self._next = now + self.interval
        self._draw(self.text(done, figures, note))

    def note(self, text: str) -> None:
        """Show a phase (not throttled: phases change rarely)."""
        if not self.enabled or self._closed:
            return
        self._next = self._clock() + self.interval
        self._draw(self.text(note=text))

    def _draw(self, line: str) -> None:
        try:
            if self.tty:
                pad = " " * max(0, self._width - len(line))
                self.stream.write(f"\r{line}{pad}")
                self._width = len(line)
            else:
                self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # stderr went away: progress is never worth failing for
            self.enabled = False

    def clear(self) -> None:
        """Blank the line (on a terminal), so that other output starts on a clean line."""
        if self.enabled and self.tty and self._width:
            try:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
            except (OSError, ValueError):
                self.enabled = False
            self._width = 0
        self._next = self._clock()  # the next update redraws at once

    def close(self) -> None:
        self.clear()
        self._closed = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
