"""One error root: every error ioakit raises on purpose is an ``IoakitError``; input errors are
``UserError`` (exit 2, caught once in ``main``); anything else is an internal error (exit 4)."""

from __future__ import annotations

import pytest

from ioakit import cli
from ioakit.backends.codegen import CodegenLimitError
from ioakit.engines.prove import ProverInternalError
from ioakit.errors import InternalError, IoakitError, UserError
from ioakit.invariants import InvariantError
from ioakit.lang.automaton import ScopeError
from ioakit.lang.ir import TraceError
from ioakit.lang.types import SchemaError
from ioakit.registry import RegistryError
from ioakit.render import RenderError
from ioakit.traces import TraceFormatError


@pytest.mark.parametrize(
    "cls",
    [
        ScopeError,
        SchemaError,
        TraceError,
        CodegenLimitError,
        InvariantError,
        TraceFormatError,
        RenderError,
        cli.UsageError,
        RegistryError,
    ],
)
def test_user_errors_share_one_root(cls):
    assert issubclass(cls, UserError) and issubclass(cls, IoakitError) and issubclass(cls, ValueError)


def test_extra_bases_are_kept_for_callers_that_catch_them():
    assert issubclass(TraceError, TypeError)
    assert issubclass(ProverInternalError, InternalError) and issubclass(ProverInternalError, AssertionError)


def test_a_bug_is_an_internal_error_exit_4_without_traceback(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.COMMANDS, "list", broken)
    monkeypatch.delenv("IOAKIT_DEBUG", raising=False)
    assert cli.main(["list"]) == 4
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "report" in err and "Traceback" not in err
    monkeypatch.setenv("IOAKIT_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["list"])


def test_a_user_error_from_any_layer_is_exit_2(monkeypatch, capsys):
    def bad_input(args):
        raise SchemaError("start value 7 of x is not a value of Int[0..3]")

    monkeypatch.setitem(cli.COMMANDS, "list", bad_input)
    assert cli.main(["list"]) == 2
    assert capsys.readouterr().err.startswith("ioakit list: error: start value 7")


@pytest.mark.parametrize(
    "argv",
    [
        ["prove", "VS-machine", "vs_lemma_4_1", "--timeout", "0"],
        ["prove", "VS-machine", "vs_lemma_4_1", "--bmc", "-1"],
        ["explore", "VS-machine", "--max-states", "-5"],
        ["simulate", "VS-machine", "--runs", "0"],
    ],
)
def test_out_of_range_options_are_usage_errors_not_internal_errors(capsys, argv):
    assert cli.main(argv) == 2
    assert "internal error" not in capsys.readouterr().err


def test_library_rejects_a_bad_timeout_as_a_user_error():
    from ioakit.engines.prove import Prover
    from ioakit.registry import get_spec

    with pytest.raises(UserError, match="timeout"):
        Prover(get_spec("TO-machine").build({}), 0)
