"""Small public-surface promises of issue 26: public error paths and the CLI's usage errors."""

from __future__ import annotations

import subprocess
import sys
import traceback

import pytest

import daji_async
from daji_async.cli._parser import parse_args


def test_errors_and_warnings_show_their_public_path() -> None:
    exported = [getattr(daji_async, name) for name in daji_async.__all__]
    errors = [obj for obj in exported if isinstance(obj, type) and issubclass(obj, (Exception, Warning))]
    assert daji_async.APIConnectionError in errors and daji_async.DajiWarning in errors
    assert [cls for cls in errors if cls.__module__ != "daji_async"] == []
    try:
        raise daji_async.APIConnectionError("GET /x: no answer")
    except daji_async.APIConnectionError:
        shown = traceback.format_exc()
    assert shown.strip().splitlines()[-1] == "daji_async.APIConnectionError: GET /x: no answer"


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "http", "80.5"])
def test_a_port_out_of_range_is_a_usage_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["sandbox", "--port", port])
    assert exit_info.value.code == 2
    assert f"expected a port between 0 and 65535, got {port!r}" in capsys.readouterr().err
    assert parse_args(["sandbox", "--port", "0"]).port == 0
    assert parse_args(["sandbox", "--port", "65535"]).port == 65535


def test_the_daji_command_exits_2_on_a_bad_port() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "daji_async", "sandbox", "--port", "99999"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "unexpected" not in done.stderr and "65535" in done.stderr
