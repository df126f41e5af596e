"""The ``daji`` command, run for real in subprocesses against the sandbox (never the internet).

Most cases use ``--sandbox`` (the sandbox started inside the command); some point the command
at a separately running sandbox through DAJI_BASE_URL and credentials, as a user would.
Interpreter start is the cost of each run, so independent runs of one test go concurrently.
"""

from __future__ import annotations

import argparse
import csv
import decimal
import http.server
import io
import json
import os
import platform
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import zlib
from pathlib import Path
from typing import Any

import pytest

from daji_async.cli._output import ITEM_COLUMNS, ITEM_LEAVES, cell, column_kind, csv_safe, printable, struct_columns
from daji_async.cli._parser import build_parser, filter_list, max_items, offer_id, parse_args, sort_mapping, sort_spec
from daji_async.cli._progress import Messages
from daji_async.models.products import PriceInfo
from daji_async.sandbox import Catalogue

COMMAND = [sys.executable, "-m", "daji_async"]
Result = subprocess.CompletedProcess  # of str


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test process's environment without any real DAJI settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAJI_")}
    env.update({"COLUMNS": "120", "PYTHONIOENCODING": "utf-8"})
    env.update(extra or {})
    return env


_started: list[subprocess.Popen[Any]] = []


@pytest.fixture(autouse=True)
def _reap() -> Any:
    """A failed assertion leaves later runs of its test unread: end and reap them."""
    yield
    while _started:
        process = _started.pop()
        if process.poll() is None:
            process.kill()
        process.communicate()


class Daji:
    """``python -m daji_async ARGS``, started now; :meth:`result` waits and captures (UTF-8 text)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> None:
        self.stdin = stdin
        self.process = subprocess.Popen(
            [*COMMAND, *args],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=_env(env),
        )
        _started.append(self.process)

    def result(self) -> Result[str]:
        out, err = self.process.communicate(self.stdin, timeout=60)
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, out, err)


def daji(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result[str]:
    """Run the command to the end."""
    return Daji(*args, env=env, stdin=stdin).result()


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of stdout must be one JSON object: nothing else may be on stdout."""
    rows = [json.loads(line) for line in text.splitlines()]
    assert all(isinstance(row, dict) for row in rows)
    return rows


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def ok(result: Result[str]) -> Result[str]:
    assert result.returncode == 0, result.stderr
    return result


def one_line_error(result: Result[str]) -> str:
    """The stderr of a failed command: a single line, no traceback, nothing on stdout."""
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def png_bytes() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The sandbox's catalogue (deterministic: the same offers as every sandbox's)."""
    return Catalogue()


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "red.png"
    path.write_bytes(png_bytes())
    return path


# ------------------------------------------------------------------ search


def test_search_keyword_in_every_format() -> None:
    as_json = Daji("--sandbox", "search", "keyword", "连衣裙", "--max-items", "120", "--page-size", "50", "--json")
    as_csv = Daji(
        "search", "keyword", "手机壳", "--sandbox", "--csv", "--max-items", "30",
        "--sort", "price:asc", "--filter", "isOnePsale,certifiedFactory", "--filter", "raw:unknownFilterPassesThrough",
    )  # fmt: skip
    piped = Daji("--sandbox", "search", "keyword", "背包", "--max-items", "5", "--quiet")
    table = Daji("--sandbox", "--table", "search", "keyword", "背包", "--max-items", "5")

    # --json: one item per line, nothing else on stdout; the summary is a note on stderr
    result = ok(as_json.result())
    rows = json_lines(result.stdout)
    assert len(rows) == 120 and len({row["offerId"] for row in rows}) == 120
    assert all("Dress" in row["subjectTrans"] for row in rows)
    assert isinstance(rows[0]["priceInfo"]["price"], str)  # prices stay decimal strings
    assert "120 of" in result.stderr and "3 pages" in result.stderr

    # --csv: a header from the model, sort and filters applied (raw: sends an unknown filter as it is)
    rows_csv = csv_rows(ok(as_csv.result()).stdout)
    assert 0 < len(rows_csv) <= 30
    assert list(rows_csv[0])[:3] == ["offerId", "subject", "subjectTrans"]
    prices = [float(row["priceInfo.price"]) for row in rows_csv]
    assert prices == sorted(prices)
    assert all(row["isOnePsale"] == "true" and "super_factory" in row["sellerIdentities"] for row in rows_csv)

    # no format flag and stdout a pipe: JSON lines; --quiet: not even the summary
    result = ok(piped.result())
    ids = [row["offerId"] for row in json_lines(result.stdout)]
    assert len(ids) == 5 and result.stderr == ""

    # --table forces the table even into a pipe; offer ids are never cut
    result = ok(table.result())
    header, *lines = [line for line in result.stdout.splitlines() if line.strip() and "───" not in line]
    assert "Offer ID" in header and "Title" in header and "Price" in header
    assert len(lines) == 5 and "Backpack" in result.stdout
    assert all(str(i) in result.stdout for i in ids)


def test_search_image_by_file_and_url_and_upload(image: Path) -> None:
    url = "https://cbu01.alicdn.com/img/ibank/O1CN01example_!!2200000000001-0-cib.jpg"
    by_file = Daji("--sandbox", "search", "image", str(image), "--max-items", "7", "--json")
    by_url = Daji("--sandbox", "search", "image", url, "--max-items", "4", "--csv", "--country", "ru")
    upload = Daji("--sandbox", "upload", str(image), "--json")

    result = ok(by_file.result())  # a local file is uploaded first, then searched by its id
    assert len(json_lines(result.stdout)) == 7
    assert "uploaded" in result.stderr and "image id" in result.stderr

    rows = csv_rows(ok(by_url.result()).stdout)
    assert len(rows) == 4
    assert all(any("\u0400" <= ch <= "\u04ff" for ch in row["subjectTrans"]) for row in rows)  # --country ru

    result = ok(upload.result())
    [row] = json_lines(result.stdout)
    assert row["file"] == str(image) and row["imageId"].isdigit()
    assert f"daji search image {row['imageId']}" in result.stderr


# ------------------------------------------------------------------ product, categories


def test_product_in_every_format(catalogue: Catalogue) -> None:
    offer = catalogue.offers[0].offer_id
    as_json = Daji("--sandbox", "product", str(offer), "--json")
    as_csv = Daji("--sandbox", "product", f"https://detail.1688.com/offer/{offer}.html", "--csv")  # a link works too
    table = Daji("--sandbox", "product", str(offer), "--table")

    [detail] = json_lines(ok(as_json.result()).stdout)
    assert detail["offerId"] == offer and detail["productSkuInfos"]

    rows = csv_rows(ok(as_csv.result()).stdout)  # one row per SKU
    assert [int(r["skuId"]) for r in rows] == [s["skuId"] for s in detail["productSkuInfos"]]
    assert all(r["offerId"] == str(offer) and r["price"] for r in rows)

    result = ok(table.result())
    assert detail["subjectTrans"] in result.stdout and "SKU ID" in result.stdout


def test_categories_root_and_children() -> None:
    root = Daji("--sandbox", "categories", "--json")
    apparel = Daji("--sandbox", "categories", "1031910", "--csv")

    [category] = json_lines(ok(root.result()).stdout)
    assert category["categoryID"] == 0 and len(category["childCategorys"]) >= 5
    assert 1031910 in [child["id"] for child in category["childCategorys"]]

    rows = csv_rows(ok(apparel.result()).stdout)
    assert rows and all(r["parentId"] == "1031910" and r["id"] and r["name"] for r in rows)


# ------------------------------------------------------------------ bulk


def test_bulk_keywords_from_a_file_and_images_from_stdin(tmp_path: Path) -> None:
    inputs = tmp_path / "keywords.txt"
    inputs.write_text("\ufeff连衣裙\n\n手机壳\n  背包  \n", encoding="utf-8")  # a BOM, a blank line, spaces
    keywords = Daji("--sandbox", "bulk", "keywords", str(inputs), "--max-items", "3", "--ordered", "--json")
    lines = "https://cbu01.alicdn.com/img/ibank/a.jpg\nnot-an-image-id\n1048608196202797156\n"
    images = Daji("--sandbox", "bulk", "images", "-", "--max-items", "2", "--csv", stdin=lines)

    result = ok(keywords.result())
    rows = json_lines(result.stdout)
    assert [row["query"] for row in rows] == ["连衣裙"] * 3 + ["手机壳"] * 3 + ["背包"] * 3
    assert all(isinstance(row["offerId"], int) for row in rows)
    assert "3 inputs, 9 items" in result.stderr

    # one failing input is reported on stderr, the others go on, and the exit status says so
    result = images.result()
    assert result.returncode == 1
    rows_csv = csv_rows(result.stdout)  # stdout is still clean CSV with the good inputs' rows
    assert list(rows_csv[0])[:2] == ["query", "offerId"] and len(rows_csv) == 4
    assert {r["query"] for r in rows_csv} == {"https://cbu01.alicdn.com/img/ibank/a.jpg", "1048608196202797156"}
    # (refused before sending: neither a URL nor digits, it is a path, and no such file exists)
    assert "not-an-image-id: FileNotFoundError: no such picture file" in result.stderr
    assert "1 of 3 inputs failed" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ a separately running sandbox


def test_against_a_running_sandbox_through_the_environment(daji_sandbox: Any, catalogue: Catalogue) -> None:
    env = {
        "DAJI_BASE_URL": daji_sandbox.base_url,
        "DAJI_APP_KEY": daji_sandbox.app_key,
        "DAJI_APP_SECRET": daji_sandbox.app_secret,
    }
    unknown = next(n for n in range(1, 100) if n not in catalogue.by_id)
    search = Daji("search", "keyword", "运动鞋", "--max-items", "60", "--prefetch", "3", "--rate-limit", "200", env=env)
    missing = Daji("product", str(unknown), env=env)
    wrong = Daji("categories", env={**env, "DAJI_APP_SECRET": "not-the-secret"})

    assert len(json_lines(ok(search.result()).stdout)) == 60
    assert daji_sandbox.stats["by_path"]["/alibaba/product/keywordQuery"] == 2  # it really went there

    result = missing.result()  # a service error: exit 1, one line naming it
    assert result.returncode == 1
    line = one_line_error(result)
    assert line.startswith("daji: not found:") and "HTTP 404" in line

    result = wrong.result()  # a bad signature points at the credentials
    assert result.returncode == 1
    assert "DAJI_APP_SECRET" in one_line_error(result)


def test_sandbox_subcommand_serves_until_ctrl_c() -> None:
    server = subprocess.Popen(
        [*COMMAND, "sandbox", "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=_env(),
        # a background job may inherit an ignored SIGINT; give the server the default handler
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert server.stderr is not None
        first = server.stderr.readline()
        assert first.startswith("DAJI sandbox on http://127.0.0.1:"), first
        exports = server.stderr.readline()
        env = dict(pair.split("=", 1) for pair in exports.split() if pair.startswith("DAJI_"))
        assert set(env) == {"DAJI_BASE_URL", "DAJI_APP_KEY", "DAJI_APP_SECRET"}
        assert csv_rows(ok(daji("categories", "--csv", env=env)).stdout)
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 130
    assert out == "" and "Traceback" not in err and "interrupted" in err


# ------------------------------------------------------------------ errors and exits


def test_usage_and_configuration_errors_exit_2_on_one_line() -> None:
    no_credentials = Daji("search", "keyword", "连衣裙")
    bad_option = Daji("search", "keyword", "x", "--sort", "price:up")
    no_file = Daji("--sandbox", "upload", "does-not-exist.jpg")

    result = no_credentials.result()
    assert result.returncode == 2
    line = one_line_error(result)
    assert "DAJI_APP_KEY" in line and "DAJI_APP_SECRET" in line and "--sandbox" in line

    result = bad_option.result()
    assert result.returncode == 2
    assert "--sort" in one_line_error(result)

    result = no_file.result()
    assert result.returncode == 2
    assert "no such file" in one_line_error(result)


def test_closed_pipe_ends_quietly() -> None:
    process = subprocess.Popen(
        [*COMMAND, "--sandbox", "search", "keyword", "连衣裙", "--max-items", "all", "--page-size", "1", "--json"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    json.loads(process.stdout.readline())
    process.stdout.close()  # like `| head -1`
    err = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=20) == 0
    assert "Traceback" not in err and "Exception ignored" not in err


def test_progress_bar_on_a_terminal_stderr_never_on_stdout(tmp_path: Path) -> None:
    inputs = tmp_path / "keywords.txt"
    inputs.write_text("连衣裙\n手机壳\n背包\n运动鞋\n", encoding="utf-8")
    master, slave = pty.openpty()
    with open(tmp_path / "stdout", "wb") as stdout:  # a file: nothing waits for it to be read
        process = subprocess.Popen(
            [*COMMAND, "--sandbox", "bulk", "keywords", str(inputs), "--max-items", "all", "--page-size", "5"],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=slave,
            env=_env({"TERM": "xterm-256color"}),
        )
    os.close(slave)
    screen = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # drain the terminal as the command writes to it
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # every writer closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    assert process.wait(timeout=30) == 0
    text = screen.decode("utf-8", "replace")
    assert "inputs" in text and "━" in text  # the bar, drawn on the terminal
    rows = json_lines((tmp_path / "stdout").read_text("utf-8"))  # not a terminal: JSON lines, nothing else
    assert {row["query"] for row in rows} == {"连衣裙", "手机壳", "背包", "运动鞋"}


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("daji")
    if not script.exists():
        pytest.skip("the daji script is not installed next to this interpreter")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=_env(), timeout=30)
    assert result.returncode == 0 and result.stdout.startswith("daji ")


# ------------------------------------------------------------------ the pure parts, in-process


def test_option_parsers() -> None:
    assert sort_spec("price") == ("price", "asc")
    assert sort_spec("sold:DESC") == ("monthSold", "desc")
    assert sort_spec("repurchase:asc") == ("rePurchaseRate", "asc")
    assert sort_spec("raw:newField:desc") == ("newField", "desc")  # raw: passes an unknown field through
    assert sort_mapping([("price", "asc"), ("monthSold", "desc")]) == {"price": "asc", "monthSold": "desc"}
    assert filter_list([["a", "b"], ["c", "a"]]) == ["a", "b", "c"]
    assert filter_list(None) is None
    assert max_items("all") is None and max_items("25") == 25
    assert offer_id("727920485853") == 727920485853
    assert offer_id("https://detail.1688.com/offer/727920485853.html?spm=x") == 727920485853


def test_csv_columns_follow_the_models() -> None:
    assert struct_columns(PriceInfo) == [
        ("price",),
        ("jxhyPrice",),
        ("pfJxhyPrice",),
        ("consignPrice",),
        ("promotionPrice",),
    ]
    names = [".".join(path) for path in ITEM_COLUMNS]
    assert names[0] == "offerId" and "priceInfo.price" in names and "promotionURL" in names
    assert [cell(None), cell(True), cell(["a", "b"]), cell({"k": 1})] == ["", "true", "a;b", '{"k":1}']


def test_common_options_before_or_after_the_subcommand_and_every_help_renders() -> None:
    before = parse_args(["--sandbox", "--json", "--country", "ru", "search", "keyword", "连衣裙"])
    after = parse_args(["search", "keyword", "连衣裙", "--sandbox", "--json", "--country", "ru"])
    for args in (before, after):
        assert (args.sandbox, args.format, args.country, args.text) == (True, "json", "ru", "连衣裙")
        assert args.max_items == 100 and args.timeout == 30.0
    assert parse_args(["product", "1"]).format is None  # chosen later: table on a terminal, else JSON lines

    pending = [build_parser()]
    while pending:  # --help of every (sub)command, as argparse would print it
        parser = pending.pop()
        assert parser.format_help()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())


# ------------------------------------------------------------------ per-command options, checked values


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line a usage error prints (exit 2)."""
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_each_command_takes_and_shows_only_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    leaves = {}
    pending = [("daji", parser)]
    while pending:
        name, node = pending.pop()
        for action in node._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend((f"{name} {child}", sub) for child, sub in action.choices.items())
        leaves[name] = node.format_help()
    shown = {
        "daji sandbox": (["--port"], ["--sandbox", "--country", "--json", "--timeout", "--quiet", "--max-items"]),
        "daji categories": (["--sandbox", "--json"], ["--country", "--quiet", "--parquet", "--max-items"]),
        "daji product": (["--country", "--csv", "--timeout"], ["--quiet", "--parquet", "--sort", "--failed"]),
        "daji upload": (["--sandbox", "--quiet", "--json"], ["--country", "--parquet", "--max-items"]),
        "daji search keyword": (["--country", "--parquet", "--sort", "--quiet"], ["--failed", "--concurrency"]),
        "daji bulk images": (["--parquet", "--failed", "--concurrency", "--filter"], ["--region", "--port"]),
    }
    for name, (present, absent) in shown.items():
        assert all(option in leaves[name] for option in present), (name, leaves[name])
        assert not any(option in leaves[name] for option in absent), (name, leaves[name])

    # given before the command, an option the command does not take is refused, not ignored
    assert "--country does not apply" in _usage_error(["--country", "ru", "categories"], capsys)
    assert "--json/--csv/--table does not apply" in _usage_error(["--json", "sandbox"], capsys)
    assert "unrecognized arguments: --quiet" in _usage_error(["product", "1", "--quiet"], capsys)
    assert _usage_error(["bulk"], capsys).startswith("daji bulk: error: choose one of keywords or images;")
    assert "--parquet writes a file" in _usage_error(["--csv", "search", "keyword", "x", "--parquet", "x"], capsys)
    args = parse_args(["--sandbox", "--timeout", "5", "categories"])
    assert (args.sandbox, args.timeout, args.handler, args.platform) == (True, 5.0, "categories", "1688")


def test_sort_filter_and_country_are_checked_with_a_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(["search", "keyword", "x", "--sort", "cheapest"], capsys)
    assert "unknown sort field 'cheapest'" in line and "price, sold, repurchase" in line and "raw:cheapest" in line
    line = _usage_error(["search", "keyword", "x", "--sort", "prise:desc"], capsys)
    assert "did you mean price?" in line
    line = _usage_error(["bulk", "keywords", "-", "--filter", "isOnePsale,certifedFactory"], capsys)
    assert "unknown filter 'certifedFactory'; did you mean certifiedFactory?" in line
    line = _usage_error(["search", "image", "1", "--country", "xx"], capsys)
    assert "unknown language 'xx'" in line and "en, ru, vi" in line
    assert "did you mean ru?" in _usage_error(["product", "1", "--country", "rus"], capsys)

    args = parse_args(
        ["search", "keyword", "x", "--country", "RU", "--sort", "SOLD:desc", "--sort", "raw:newField",
         "--filter", "certifiedfactory,ship_in_48_hours", "--filter", "raw:brandNew,isOnePsale"]
    )  # fmt: skip
    assert args.country == "ru"
    assert sort_mapping(args.sort) == {"monthSold": "desc", "newField": "asc"}
    assert filter_list(args.filter) == ["certifiedFactory", "shipIn48Hours", "brandNew", "isOnePsale"]
    assert parse_args(["product", "1", "--country", "raw:de"]).country == "de"
    for bad in ("1_000", "١٢٣", str(2**63), "0"):  # ids are plain ASCII digits within the service's range
        assert "expected an offer id" in _usage_error(["product", bad], capsys)


# ------------------------------------------------------------------ Ctrl-C


def _interruptible(*args: str) -> subprocess.Popen[bytes]:
    """The command with the default SIGINT handler (a background job may inherit an ignored one)."""
    process = subprocess.Popen(
        [*COMMAND, *args],
        stdin=subprocess.PIPE,  # kept open and idle: nothing is ever written to it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    _started.append(process)
    return process


#: The number of the read(2) system call, as /proc/PID/task/TID/syscall shows it.
_READ_SYSCALL = {"x86_64": "0", "aarch64": "63"}.get(platform.machine())


def _wait_reading_stdin(process: subprocess.Popen[bytes], limit: float = 60.0) -> None:
    """Return once a thread of ``process`` is blocked in read(2) on its stdin (fd 0).

    A fixed sleep is not enough on a loaded machine: a SIGINT that arrives while the
    interpreter is still importing ends the process with Python's own traceback, before the
    command has installed anything. Where /proc cannot tell, wait a generous fixed time.
    """
    tasks = f"/proc/{process.pid}/task"
    if _READ_SYSCALL is None or not os.path.isdir(tasks):
        time.sleep(5)
        return
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        for tid in os.listdir(tasks):
            try:
                with open(f"{tasks}/{tid}/syscall") as f:
                    fields = f.read().split()
            except OSError:
                continue
            if fields[:2] == [_READ_SYSCALL, "0x0"]:
                return
        time.sleep(0.05)
    raise AssertionError(f"{process.args} never read its standard input")


def test_ctrl_c_exits_130_promptly_on_idle_stdin_and_keeps_the_table() -> None:
    # bulk reading an open pipe that never sends anything; it announces itself on stderr first
    idle = _interruptible("--sandbox", "bulk", "keywords", "-", "--json", "--concurrency", "1")
    idle_upload = _interruptible("--sandbox", "upload", "-")  # reads the image from stdin
    # a slow table search (two requests a second): Ctrl-C prints the rows fetched so far
    table = _interruptible(
        "--sandbox", "search", "keyword", "连衣裙", "--table", "--page-size", "3", "--max-items", "all",
        "--rate-limit", "2",
    )  # fmt: skip
    # idle: wait until each is blocked reading its stdin (it writes nothing until then), then interrupt
    for process in (idle, idle_upload):
        _wait_reading_stdin(process)
    for process in (idle, idle_upload):
        process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        process.wait(timeout=30)
        elapsed_idle = time.monotonic() - sent
        out, err = (x.decode() for x in process.communicate(timeout=10))
        assert process.returncode == 130 and elapsed_idle < 5, (process.args, elapsed_idle, err)
        assert out == "" and "interrupted" in err and "Traceback" not in err

    time.sleep(2)  # a few pages arrive (two a second)
    table.send_signal(signal.SIGINT)
    sent = time.monotonic()
    table.wait(timeout=30)
    elapsed_table = time.monotonic() - sent
    out, err = (x.decode() for x in table.communicate(timeout=10))
    assert table.returncode == 130 and elapsed_table < 5, (elapsed_table, err)
    rows = [line for line in out.splitlines() if "Dress" in line]
    assert "Offer ID" in out and len(rows) >= 1, out
    assert f"interrupted after {len(rows)} items" in err and "Traceback" not in err


# ------------------------------------------------------------------ hostile answers


HOSTILE_ITEMS = [
    {"offerId": 11, "subject": '=HYPERLINK("http://evil","x")', "subjectTrans": "\x1b]0;pwned\x07Dress\x1b[2J",
     "priceInfo": {"price": "-5"}, "repurchaseRate": "@SUM(A1)"},
    {"offerId": 12, "subject": "+cmd|' /C calc'!A0", "subjectTrans": "\tTab\u202egnp.exe\r",
     "priceInfo": {"price": "12.5"}},
]  # fmt: skip
SECRET = "my/secret+1"


class HostileService(http.server.BaseHTTPRequestHandler):
    """A DAJI look-alike whose answers are hostile: escape sequences, formulas, bad bytes, deep JSON."""

    def do_GET(self) -> None:
        query = self.path.partition("?")[2]
        if "keywordQuery" in self.path:
            page = {"totalRecords": 2, "totalPage": 1, "pageSize": 50, "currentPage": 1, "data": HOSTILE_ITEMS}
            self._send(200, json.dumps({"code": 200, "message": "ok", "data": page}).encode())
        elif "offerId=1&" in query or query.endswith("offerId=1"):
            self._send(200, b'{"code":200,"message":"ok","data":{"offerId":1,"subject":"\xff\xfe\xfd"}}')
        elif "offerId=2" in query:
            self._send(200, b'{"code":200,"message":"ok","data":' + b"[" * 5000 + b"]" * 5000 + b"}")
        else:  # an error that echoes the request (signature included) and the secret, with escapes
            message = f"\x1b[2Jbad request {query} appSecret={SECRET} secret={urllib.parse.quote(SECRET, safe='')}"
            self._send(400, json.dumps({"code": 400, "message": message, "data": None}).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def hostile() -> Any:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HostileService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"DAJI_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}", "DAJI_APP_KEY": "k",
           "DAJI_APP_SECRET": SECRET}  # fmt: skip
    server.shutdown()
    server.server_close()


def test_hostile_answers_are_escaped_neutralised_and_exit_1(hostile: dict[str, str]) -> None:
    table = Daji("search", "keyword", "x", "--table", env=hostile)
    as_csv = Daji("search", "keyword", "x", "--csv", env=hostile)
    as_json = Daji("search", "keyword", "x", "--json", env=hostile)
    bad_utf8 = Daji("product", "1", env=hostile)
    too_deep = Daji("product", "2", env=hostile)
    echoing = Daji("product", "3", env=hostile)

    # table: control characters are shown escaped, never sent to the terminal
    out = ok(table.result()).stdout
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\t" not in out
    assert "\\x1b]0;pwned\\x07Dress\\x1b[2J" in out and "\\tTab\\u202egnp.exe\\r" in out

    # CSV: formulas neutralised with a leading quote; a plain negative number stays a number
    rows = csv_rows(ok(as_csv.result()).stdout)
    assert rows[0]["subject"] == '\'=HYPERLINK("http://evil","x")' and rows[0]["repurchaseRate"] == "'@SUM(A1)"
    assert rows[0]["priceInfo.price"] == "-5" and rows[0]["subjectTrans"].startswith("\x1b]0;")  # text kept as is
    assert rows[1]["subject"] == "'+cmd|' /C calc'!A0"
    assert rows[1]["subjectTrans"].startswith("'\tTab")  # (text mode reads the final CR as a line end)

    # JSON lines: valid JSON, the text intact
    items = json_lines(ok(as_json.result()).stdout)
    assert [item["subject"] for item in items] == [item["subject"] for item in HOSTILE_ITEMS]

    # an answer that cannot be read is the service's failure: exit 1, one line, never 2 nor a traceback
    for result in (bad_utf8.result(), too_deep.result()):
        assert result.returncode == 1, result.stderr
        assert one_line_error(result).startswith("daji: ")

    # an error that echoes the request: no secret and no signature reach the output, escapes shown escaped
    result = echoing.result()
    assert result.returncode == 1
    line = one_line_error(result)
    assert "\x1b" not in line and "bad request" in line
    assert SECRET not in line and urllib.parse.quote(SECRET, safe="") not in line
    assert re.search(r"sign=[0-9A-Fa-f]{8}", line) is None, line


# ------------------------------------------------------------------ --failed, --parquet, upload by URL


def test_bulk_failed_inputs_feed_a_retry_and_parquet_keeps_types(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")  # in the test extra: never skipped in CI
    import pyarrow.parquet as pq

    failed, retry_failed = tmp_path / "failed.txt", tmp_path / "failed-again.txt"
    parquet = tmp_path / "items.parquet"
    lines = "1048608196202797156\nnot-an-id\nhttps://cbu01.alicdn.com/img/ibank/a.jpg\n=bad id\n"
    first = daji("--sandbox", "bulk", "images", "-", "--max-items", "3", "--failed", str(failed),
                 "--parquet", str(parquet), stdin=lines)  # fmt: skip
    assert first.returncode == 1 and first.stdout == ""  # the items went to the file
    assert f"2 of 4 inputs failed (see above); written to {failed}" in first.stderr
    assert sorted(failed.read_text("utf-8").splitlines()) == ["=bad id", "not-an-id"]

    # the file is the input of a retry, as it is
    retry = daji("--sandbox", "bulk", "images", str(failed), "--failed", str(retry_failed), "--json")
    assert retry.returncode == 1
    assert sorted(retry_failed.read_text("utf-8").splitlines()) == ["=bad id", "not-an-id"]

    table = pq.read_table(parquet)
    assert table.num_rows == 6
    schema = table.schema
    assert schema.field("query").type == pa.string() and schema.field("offerId").type == pa.string()
    assert schema.field("topCategoryId").type == pa.string()
    assert schema.field("priceInfo.price").type == pa.decimal128(18, 4)
    assert schema.field("monthSold").type == pa.int64() and schema.field("isOnePsale").type == pa.bool_()
    assert schema.field("sellerIdentities").type == pa.list_(pa.string())
    rows = table.to_pylist()
    assert {row["query"] for row in rows} == {"1048608196202797156", "https://cbu01.alicdn.com/img/ibank/a.jpg"}
    assert all(row["offerId"].isdigit() and isinstance(row["priceInfo.price"], decimal.Decimal) for row in rows)


def test_parquet_without_pyarrow_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "pyarrow"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('No module named pyarrow')\n")
    result = daji("--sandbox", "search", "keyword", "连衣裙", "--parquet", str(tmp_path / "x.parquet"),
                  env={"PYTHONPATH": str(tmp_path)})  # fmt: skip
    assert result.returncode == 2
    assert one_line_error(result) == "daji: error: --parquet needs pyarrow: pip install 'daji-async[parquet]'"
    assert not (tmp_path / "x.parquet").exists()


def test_upload_takes_a_url_or_stdin(image: Path, daji_sandbox: Any) -> None:
    env = {
        "DAJI_BASE_URL": daji_sandbox.base_url,
        "DAJI_APP_KEY": daji_sandbox.app_key,
        "DAJI_APP_SECRET": daji_sandbox.app_secret,
    }
    url = "https://cbu01.alicdn.com/img/ibank/O1CN01example_!!2200000000001-0-cib.jpg"
    by_url = Daji("upload", url, "--json", env=env)  # the service fetches the picture (GET, pic_url)
    bad_url = Daji("--sandbox", "upload", "https://exa mple.com/a.jpg")
    with image.open("rb") as stdin:
        from_stdin = subprocess.Popen(
            [*COMMAND, "--sandbox", "upload", "-", "--json"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
        )
    _started.append(from_stdin)
    not_an_image = Daji("--sandbox", "upload", "-", stdin="just text")

    [row] = json_lines(ok(by_url.result()).stdout)
    assert row["file"] == url and row["imageId"].isdigit()
    assert daji_sandbox.stats["by_path"]["/alibaba/upload/image"] == 1
    # the id is one the service knows: an image search by it finds offers
    found = json_lines(ok(daji("search", "image", row["imageId"], "--max-items", "3", env=env)).stdout)
    assert len(found) == 3

    result = bad_url.result()  # refused by the SDK before anything is sent: a usage error
    assert result.returncode == 2 and "url must not contain spaces" in one_line_error(result)

    out, err = from_stdin.communicate(timeout=60)
    assert from_stdin.returncode == 0, err
    [row] = json_lines(out.decode())
    assert row["file"] == "-" and row["imageId"].isdigit()

    result = not_an_image.result()
    assert result.returncode == 2 and "standard input: image must be" in one_line_error(result)


def test_untrusted_text_helpers() -> None:
    assert printable("a\x1b[2Jb\n\t\x7f\x9b\u202ec\u2028") == "a\\x1b[2Jb\\n\\t\\x7f\\x9b\\u202ec\\u2028"
    assert printable("连衣裙 Dress ✓") == "连衣裙 Dress ✓"  # ordinary text is untouched
    cells = ["=1+1", "+SUM(A1)", "-1+2", "@x", "\tx", "\rx", "-5", "+3.5", "-.5", "1e3", "x=1", "", "-"]
    assert [csv_safe(c) for c in cells] == [
        "'=1+1", "'+SUM(A1)", "'-1+2", "'@x", "'\tx", "'\rx", "-5", "+3.5", "-.5", "1e3", "x=1", "", "'-",
    ]  # fmt: skip
    messages = Messages(secrets=["my/secret+1"])
    cleaned = messages.clean('\x1b]0;t\x07 sign=0123456789ABCDEF "sign": "abcdef0123" my%2Fsecret%2B1 my/secret+1')
    assert cleaned == '\\x1b]0;t\\x07 sign=*** "sign": "***" *** ***'
    assert messages.clean("my%2fsecret%2b1 my\\/secret+1 appSecret=x") == "*** *** appSecret=***"  # any form
    # Parquet column types, from the model's own types
    kinds = {".".join(path): column_kind(path, kind) for path, kind in ITEM_LEAVES}
    assert kinds["offerId"] == kinds["topCategoryId"] == "id" and kinds["priceInfo.jxhyPrice"] == "price"
    assert (kinds["monthSold"], kinds["isOnePsale"], kinds["sellerIdentities"]) == ("int", "bool", "strs")
