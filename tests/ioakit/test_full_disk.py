"""A disk that really fills, and a real Ctrl-C, while ioakit writes its output files: no failed
or interrupted write leaves a partial file (docs/reliability.md, "Atomic outputs").

The full disk is the kernel's own: each command runs as a subprocess whose ``RLIMIT_FSIZE`` is
``LIMIT`` bytes, with ``SIGXFSZ`` ignored, so a write past ``LIMIT`` fails with ``EFBIG`` ("File too
large") as a full disk fails with ``ENOSPC`` — in the middle of the write, not in a mock. Every
output is larger than ``LIMIT`` (``test_outputs_are_larger_than_the_limit`` checks it, so the
failures below are the limit's doing), and Python needs no file that large elsewhere (bytecode
caches are switched off). Graphviz ``dot`` inherits the limit but writes its picture to a pipe,
which the limit does not cover; the picture then fails in ioakit's own write. Where ``mount -t
tmpfs`` is permitted, a 64 KiB tmpfs gives a real ``ENOSPC`` too.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sigwait import wait_until_running

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits and signals")

LIMIT = 256  # bytes: below every output (the smallest, a baseline manifest, is ~700)
SMALL = ["--scope", "processors=1,values=1,max_inputs=1"]
WEAK_INV = "machine TO-machine\ninvariant weak: forall p in P: next[p] <= 1\n"  # not inductive: a CTI
SHORT_QUEUE = "machine TO-machine\ninvariant short_queue: len(queue) <= 1\n"  # violated: a counterexample
HAS_DOT = shutil.which("dot") is not None
ONE_RUN = ["--runs", "1", "--steps", "9", "--seed", "4"]  # a run of ~1.9 KB as a trace, ~3.6 KB as ITF
CTI = ["prove", "TO-machine", "{d}/weak.inv", "--induction"]

# (id, argv with {d} for the folder, the destination's name, the option that allows replacing it)
WRITERS = [
    ("render-dot", ["render", "TO-machine", *SMALL, "-o", "{d}/g.dot"], "g.dot", ["--force"]),
    ("render-svg", ["render", "TO-machine", *SMALL, "-o", "{d}/g.svg"], "g.svg", ["--force"]),
    ("prove-cti-dot", [*CTI, "--cti-dot", "{d}/c.dot"], "c.dot", ["--force"]),
    ("simulate-itf", ["simulate", "TO-machine", *ONE_RUN, "--itf", "{d}/s.itf.json"], "s.itf.json", ["--force"]),
    ("check-itf", ["check", "TO-machine", "{d}/q.inv", "--itf", "{d}/cex.itf.json"], "cex.itf.json", ["--force"]),
    ("trace-to-itf", ["trace", "{d}/run.jsonl", "--to-itf", "{d}/conv.itf.json"], "conv.itf.json", ["--force"]),
    ("junit", ["explore", "TO-machine", *SMALL, "--junit", "{d}/j.xml"], "j.xml", []),  # JUnit is always replaced
    ("baseline-record", ["baseline", "record", "--machine", "TO-machine", "-o", "{d}/b.json"], "b.json", ["--force"]),
]  # fmt: skip
IDS = [w[0] for w in WRITERS]


def _limit_file_size() -> None:
    """In the child, before ``exec``: files may grow to ``LIMIT`` bytes; a write past it fails
    with EFBIG instead of killing the process with SIGXFSZ."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("IOAKIT_DEBUG", None)  # a traceback must not be asked for
    return env


def ioakit(argv: list[str], limited: bool) -> subprocess.CompletedProcess[str]:
    """``python -m ioakit ARGV``, with files limited to ``LIMIT`` bytes if ``limited``."""
    return subprocess.run(
        [sys.executable, "-m", "ioakit", *argv],
        preexec_fn=_limit_file_size if limited else None,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=False,
    )


def _inputs(d: Path) -> None:
    """The input files the writers read: invariant files and a recorded trace (written without
    the limit)."""
    (d / "weak.inv").write_text(WEAK_INV)
    (d / "q.inv").write_text(SHORT_QUEUE)
    run = ioakit(
        ["simulate", "TO-machine", "--runs", "1", "--steps", "9", "--seed", "4", "--record", str(d / "rec")], False
    )
    assert run.returncode == 0, run.stderr
    shutil.move(d / "rec" / "run-0000.jsonl", d / "run.jsonl")
    (d / "rec").rmdir()


def _argv(template: list[str], d: Path) -> list[str]:
    return [a.replace("{d}", str(d)) for a in template]


def _leftovers(d: Path, name: str) -> list[str]:
    """Temporary files of ``write_atomically`` for ``name`` left in ``d``."""
    return sorted(p.name for p in d.glob(f".{name}.*.tmp"))


def _needs(writer_id: str) -> None:
    if writer_id == "render-svg" and not HAS_DOT:
        pytest.skip("graphviz 'dot' is not installed")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("inputs")
    _inputs(d)
    return d


def _folder(tmp_path: Path, inputs: Path) -> Path:
    for p in inputs.iterdir():
        shutil.copy(p, tmp_path / p.name)
    return tmp_path


@pytest.mark.parametrize(("writer_id", "template", "name", "force"), WRITERS, ids=IDS)
def test_outputs_are_larger_than_the_limit(
    tmp_path: Path, inputs: Path, writer_id: str, template: list[str], name: str, force: list[str]
) -> None:
    """The control: without the limit each writer succeeds (exit 0, or 1/3 for a command whose
    verdict is a violation or a CTI) and writes more than ``LIMIT`` bytes, so the failures below
    are the full disk's doing."""
    _needs(writer_id)
    d = _folder(tmp_path, inputs)
    r = ioakit(_argv(template, d), limited=False)
    assert r.returncode in (0, 1, 3), r.stderr
    assert (d / name).stat().st_size > LIMIT
    assert _leftovers(d, name) == []


@pytest.mark.parametrize(("writer_id", "template", "name", "force"), WRITERS, ids=IDS)
def test_full_disk_leaves_no_file(
    tmp_path: Path, inputs: Path, writer_id: str, template: list[str], name: str, force: list[str]
) -> None:
    """No file there before: exit 2, a message naming the file and the reason, no traceback, and
    afterwards neither the file nor a temporary one."""
    _needs(writer_id)
    d = _folder(tmp_path, inputs)
    r = ioakit(_argv(template, d), limited=True)
    assert r.returncode == 2, (r.stdout[-1000:], r.stderr[-1000:])
    assert f"cannot write {d / name}: File too large" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (d / name).exists()
    assert _leftovers(d, name) == []


@pytest.mark.parametrize(("writer_id", "template", "name", "force"), WRITERS, ids=IDS)
def test_full_disk_keeps_the_old_file(
    tmp_path: Path, inputs: Path, writer_id: str, template: list[str], name: str, force: list[str]
) -> None:
    """A file there before (replaced on purpose: ``--force``, or JUnit's rewrite): exit 2, and the
    old file byte for byte as it was."""
    _needs(writer_id)
    d = _folder(tmp_path, inputs)
    old = b"the old file \x00\xff\n" * 40  # larger than LIMIT, so a truncation would show
    (d / name).write_bytes(old)
    r = ioakit([*_argv(template, d), *force], limited=True)
    assert r.returncode == 2, (r.stdout[-1000:], r.stderr[-1000:])
    assert "File too large" in r.stderr and "Traceback" not in r.stderr
    assert (d / name).read_bytes() == old
    assert _leftovers(d, name) == []


def test_full_disk_records_no_run(tmp_path: Path) -> None:
    """``simulate --record DIR``: the first run file cannot be written; exit 2 naming it, and no
    run file nor temporary file in DIR (a file already in DIR is untouched)."""
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "notes.txt").write_bytes(b"mine\n")
    r = ioakit(["simulate", "TO-machine", "--runs", "3", "--steps", "9", "--seed", "4", "--record", str(rec)], True)
    assert r.returncode == 2, r.stderr
    assert f"cannot write {rec / 'run-0000.jsonl'}: File too large" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in rec.iterdir()) == ["notes.txt"]
    assert (rec / "notes.txt").read_bytes() == b"mine\n"


_TRACE_WRITER = """
import sys
from ioakit.traces.format import Event, TraceHeader, write_trace
events = [Event("bcast", "input", {"a": "a1", "p": "p1"})] * 50
try:
    write_trace(sys.argv[1], TraceHeader("TO-machine", {}), events, overwrite=sys.argv[2] == "1")
except OSError as e:
    print(e.strerror)
    sys.exit(5)
"""


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_full_disk_trace_writer_library(tmp_path: Path, existing: bool) -> None:
    """The library's streaming ``write_trace`` (``traces.format.TraceWriter``) with a path: the
    write fails part-way (50 events > LIMIT bytes), and the path is as before — no file, or the
    old one intact — with no temporary file beside it."""
    path = tmp_path / "t.jsonl"
    old = b"old trace\n" * 40
    if existing:
        path.write_bytes(old)
    r = subprocess.run(
        [sys.executable, "-c", _TRACE_WRITER, str(path), "1" if existing else "0"],
        preexec_fn=_limit_file_size,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert r.returncode == 5 and "File too large" in r.stdout, (r.stdout, r.stderr)
    assert path.read_bytes() == old if existing else not path.exists()
    assert _leftovers(tmp_path, path.name) == []


# --------------------------------------------------------------------------------------------
# A real ENOSPC: a tiny tmpfs (needs permission to mount).


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted at ``tmp_path/disk``, 15 of its 16 pages taken by a filler file:
    one page (4 KiB) is left, room for one run file of ``simulate --record`` but not two."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command here")
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True, text=True)
    if m.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {m.stderr.strip()}")
    try:
        (disk / "filler").write_bytes(b"\0" * (15 * 4096))
        st = os.statvfs(disk)
        if st.f_bavail * st.f_frsize != 4096:
            pytest.skip(f"the tmpfs has {st.f_bavail * st.f_frsize} bytes left, not one 4 KiB page")
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_real_full_disk_removes_the_runs_already_recorded(tiny_disk: Path) -> None:
    """``simulate --record`` on a disk with room for one run of three: the first is written, the
    second fails with ENOSPC; exit 2 naming that file, and the first is removed again — the
    recording is all or nothing."""
    rec = tiny_disk / "rec"
    r = ioakit(["simulate", "TO-machine", "--runs", "3", "--steps", "9", "--seed", "4", "--record", str(rec)], False)
    assert r.returncode == 2, r.stderr
    assert f"cannot write {rec / 'run-0001.jsonl'}: No space left on device" in r.stderr
    assert "Traceback" not in r.stderr
    assert list(rec.iterdir()) == []


def test_real_full_disk_keeps_the_old_picture(tiny_disk: Path) -> None:
    """``render -o g.dot --force`` onto a full tmpfs holding an old picture: exit 2 with ENOSPC,
    the old picture unchanged, no temporary file."""
    out = tiny_disk / "g.dot"
    out.write_bytes(b"digraph old {}\n")  # takes the last page
    r = ioakit(["render", "TO-machine", *SMALL, "-o", str(out), "--force"], False)
    assert r.returncode == 2, r.stderr
    assert "No space left on device" in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == b"digraph old {}\n"
    assert _leftovers(tiny_disk, "g.dot") == []


# --------------------------------------------------------------------------------------------
# Ctrl-C while a big picture is drawn.

BIG = ["--scope", "processors=2,view_ids=3,max_inputs=1", "--max-states", "5000"]  # 1,871 states: dot takes ~4 s


def _interrupt_render(out: Path, extra: list[str]) -> subprocess.CompletedProcess[str]:
    """``render VS-machine BIG -o out``, SIGINT 1.5 s after its command started (graphviz is
    then laying out the graph), and how it ended."""
    p = subprocess.Popen(
        [sys.executable, "-m", "ioakit", "render", "VS-machine", *BIG, "-o", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    wait_until_running(p)
    time.sleep(1.5)
    assert p.poll() is None, "the picture was done before the signal: make the graph bigger"
    p.send_signal(signal.SIGINT)
    out_text, err_text = p.communicate(timeout=60)
    return subprocess.CompletedProcess(p.args, p.returncode, out_text, err_text)


@pytest.mark.skipif(not HAS_DOT, reason="graphviz 'dot' is not installed")
@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_sigint_during_render_leaves_no_partial_picture(tmp_path: Path, existing: bool) -> None:
    """Ctrl-C while ``render -o big.svg`` draws: exit 3 (INCOMPLETE), no traceback, and the
    destination as before — no file, or the old one (``--force``) byte for byte — with no
    temporary file."""
    out = tmp_path / "big.svg"
    old = b"<svg>old</svg>\n"
    if existing:
        out.write_bytes(old)
    r = _interrupt_render(out, ["--force"] if existing else [])
    assert r.returncode == 3, (r.stdout[-1000:], r.stderr[-1000:])
    assert "INCOMPLETE" in r.stdout + r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == old if existing else not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == (["big.svg"] if existing else [])
