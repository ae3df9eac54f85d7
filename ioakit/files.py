"""Output files written for other programs (a CI server's JUnit reader, a checked-in baseline
manifest, ITF traces, pictures): atomically, and never into a folder that does not exist.

Atomically: the text goes to a temporary file in the destination's folder, which then replaces
the destination with ``os.replace`` (one rename on the same file system), so a reader — or a
crash half-way — never leaves half a file behind. A missing folder is an input error
(``UserError``, exit 2), not a reason to create folders the user did not ask for: a mistyped
path should be noticed, not silently honoured.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ioakit.errors import UserError


def writable_path(path: str | Path, what: str) -> Path:
    """``path`` as a ``Path`` if a file can be written there: its folder exists and it is not
    itself a folder; else a ``UserError`` that starts with ``what`` (e.g. ``--junit r.xml``)."""
    p = Path(path)
    folder = p.parent
    try:  # a name too long for the file system makes even these questions fail
        if not folder.is_dir():
            raise UserError(f"{what}: the folder {folder} does not exist (create it first)")
        if p.is_dir():
            raise UserError(f"{what}: is a folder, not a file")
    except OSError as e:
        raise UserError(f"{what}: cannot write there: {e.strerror}") from None
    return p


def probe_writable(path: str | Path, what: str) -> Path:
    """``path`` checked as :func:`writable_path` does, and a temporary file of the kind
    :func:`write_atomically` makes actually created (then removed) beside it: a folder that exists
    but takes no files (``/proc``, read-only) or a name too long is refused before the work."""
    p = writable_path(path, what)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as e:
        raise UserError(f"{what}: cannot write in {p.parent}: {e.strerror}") from None
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)
    return p


def new_output_path(path: str | Path, what: str, force: bool) -> Path:
    """``path`` checked as :func:`probe_writable` does, and not an existing file unless ``force``:
    the check a command makes before its work, so that a result is never computed and then lost
    for want of a place to write it."""
    p = probe_writable(path, what)
    try:
        exists = p.exists()
    except OSError as e:
        raise UserError(f"{what}: cannot write there: {e.strerror}") from None
    if exists and not force:
        raise UserError(f"{p} exists; not overwriting it (use --force)")
    return p


def write_atomically(path: str | Path, text: str | bytes, what: str) -> Path:
    """Write ``text`` (a ``str`` as UTF-8, or ``bytes``) to ``path``, replacing any file there,
    atomically (see the module docstring). Errors of the file system are ``UserError``s naming
    ``what`` and the reason."""
    p = writable_path(path, what)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as e:
        raise UserError(f"{what}: cannot write in {p.parent}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from a CI job's other users
        os.replace(tmp, p)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"{what}: cannot write {p}: {e.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
