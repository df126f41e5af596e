"""``daji bulk images FILE|-|--dir DIR`` searches local pictures, URLs and ids (issue 29).

Each run is ``python -m daji_async --sandbox ...`` (the sandbox inside the command); the runs
of one test start together, since the interpreter's start is most of their cost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.test_pictures import FOREIGN, jpeg, png

COMMAND = [sys.executable, "-m", "daji_async", "--sandbox", "bulk", "images"]


def start(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAJI_")}
    env.update({"COLUMNS": "120", "PYTHONIOENCODING": "utf-8"})
    return subprocess.Popen(
        [*COMMAND, *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
    )


def finish(process: subprocess.Popen[str], stdin: str | None = None) -> tuple[int, str, str]:
    out, err = process.communicate(stdin, timeout=60)
    return process.returncode, out, err


def rows(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_file_of_local_pictures_and_a_foreign_url_prints_15_lines(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for n in range(4):
        (photos / f"item{n}.png").write_bytes(png(500 + n) if n % 2 else jpeg(500 + n))
    (photos / "notes.txt").write_text("not a picture")
    listing = tmp_path / "pictures.txt"
    listing.write_text("photos/item0.png\nphotos/item1.png\n\nphotos/item2.png\nphotos/item3.png\n" + FOREIGN + "\n")
    piped = "photos/item1.png\n" + str(photos / "item2.png") + "\n"
    runs = [
        start(str(listing), "--max-items", "3", "--json", cwd=tmp_path),  # paths relative to the current folder
        start("--dir", str(photos), "--max-items", "2", "--json", "--ordered"),
        start("-", "--max-items", "1", "--csv", stdin=piped, cwd=tmp_path),
        start("--max-items", "1"),
        start(str(listing), "--dir", str(photos)),
        start("--dir", str(photos / "notes.txt")),
    ]
    status, out, err = finish(runs[0])
    assert status == 0, err
    found = rows(out)
    assert len(out.splitlines()) == 15
    given = ["photos/item0.png", "photos/item1.png", "photos/item2.png", "photos/item3.png", FOREIGN]
    assert sorted({row["query"] for row in found}) == sorted(given)
    assert all(sum(row["query"] == g for row in found) == 3 for g in given)
    assert "5 inputs, 5 uploaded (0 reused), 15 items" in err

    status, out, err = finish(runs[1])
    assert status == 0, err
    assert [row["query"] for row in rows(out)] == [str(photos / f"item{n}.png") for n in range(4) for _ in (0, 1)]

    status, out, err = finish(runs[2], piped)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("query,") and len(lines) == 3

    for process, words in zip(runs[3:], ["give FILE", "not both", "not a folder"], strict=True):
        status, out, err = finish(process)
        assert status == 2 and out == "" and words in err, err


def test_a_missing_picture_fails_alone_and_is_kept_for_a_retry(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png(1))
    failed = tmp_path / "failed.txt"
    lines = "a.png\nmissing.jpg\n"
    status, out, err = finish(
        start("-", "--max-items", "2", "--json", "--failed", str(failed), cwd=tmp_path, stdin=lines), lines
    )
    assert status == 1
    assert [row["query"] for row in rows(out)] == ["a.png", "a.png"]
    assert "missing.jpg" in err and "no such picture file" in err
    assert failed.read_text("utf-8").splitlines() == ["missing.jpg"]
