"""Every script in examples/ runs, as a user runs it, against the embedded sandbox.

Each example is started as a subprocess with ``--sandbox`` (and the arguments it needs), with no
DAJI credentials in its environment and no network beyond loopback; ``examples/testing`` is
copied into an empty directory and run by pytest there, as in a fresh project, under
pytest-asyncio's strict mode and its auto mode.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))  # packages: crawl_arq/, testing/


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAJI_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=90, check=False
    )


def test_every_example_is_tested() -> None:
    """A new script in examples/ needs a test here named after it."""
    tests = [name for name in globals() if name.startswith("test_")]
    untested = [s for s in SCRIPTS if not any(t.startswith(f"test_{s.removesuffix('.py')}") for t in tests)]
    assert SCRIPTS and not untested


def test_search_and_stream(tmp_path: Path) -> None:
    done = run(EXAMPLES / "search_and_stream.py", "--sandbox", "--max-items", "60", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "60 items streamed" in done.stdout
    assert len([line for line in done.stdout.splitlines() if line.count("\t") == 2]) == 60


def test_bulk_from_file(tmp_path: Path) -> None:
    output = tmp_path / "items.jsonl"
    done = run(EXAMPLES / "bulk_from_file.py", EXAMPLES / "keywords.txt", output, "--sandbox", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    keywords = EXAMPLES.joinpath("keywords.txt").read_text(encoding="utf-8").split()
    assert {row["query"] for row in rows} == set(keywords)
    assert all(row["item"]["offerId"] for row in rows)
    assert not (tmp_path / "items.jsonl.failed").exists()


def test_image_search_file(tmp_path: Path) -> None:
    done = run(EXAMPLES / "image_search_file.py", EXAMPLES / "data" / "red-square.png", "--sandbox", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "uploaded red-square.png: image id" in done.stdout
    assert "similar offers" in done.stdout


def test_image_search_refuses_a_file_that_is_not_an_image(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("not a picture", encoding="utf-8")
    done = run(EXAMPLES / "image_search_file.py", text, "--sandbox", cwd=tmp_path)
    assert done.returncode != 0
    assert "ValueError" in done.stderr


def test_buy_flow_recovers_without_buying_twice(tmp_path: Path) -> None:
    done = run(EXAMPLES / "buy_flow.py", "--sandbox", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "create: outcome unknown" in out and "the order exists, not creating another" in out
    assert "pay: outcome unknown" in out and "not paying again" in out
    assert out.rstrip().splitlines()[-1].split(": ")[1].startswith("waitsellersend")


def test_webhook_receiver(tmp_path: Path) -> None:
    done = run(EXAMPLES / "webhook_receiver.py", "--sandbox", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ORDER_BUYER_VIEW_BUYER_MAKE" in done.stdout
    assert "ORDER_BUYER_VIEW_ORDER_PAY" in done.stdout


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_testing_your_app_with_the_sandbox(tmp_path: Path, mode: str) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES / "testing", project, ignore=shutil.ignore_patterns("__pycache__"))
    done = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", f"asyncio_mode={mode}", project, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


def test_taobao_buy(tmp_path: Path) -> None:
    done = run(EXAMPLES / "taobao_buy.py", "--sandbox", "--orders", "12", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "created 12 purchase orders" in done.stdout
    assert "2 pay calls: 12 paid, 0 refused, 0 unknown" in done.stdout  # 10 + 2
    assert "first order: WAIT_SELLER_SEND_GOODS" in done.stdout


def test_find_by_photos(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    square = (EXAMPLES / "data" / "red-square.png").read_bytes()
    for name in ("a.png", "b-same-as-a.png", "c.jpg"):
        (photos / name).write_bytes(square if name != "c.jpg" else b"\xff\xd8\xff\xe0" + b"\x00" * 32 + b"\xff\xd9")
    (photos / "notes.txt").write_text("not a photo")
    for platform in ("1688", "taobao"):
        done = run(EXAMPLES / "find_by_photos.py", photos, "--sandbox", "--platform", platform, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "3 photos, 2 uploaded, 1 reused from earlier uploads, 3 searches, 0 failed" in done.stdout
        assert "a.png: 20 matches (image id " in done.stdout and "notes.txt" not in done.stdout
    folder = run(EXAMPLES / "find_by_photos.py", EXAMPLES / "data", "--sandbox", "--top", "1", cwd=tmp_path)
    assert folder.returncode == 0 and "red-square.png: 20 matches" in folder.stdout


def test_compare_prices(tmp_path: Path) -> None:
    done = run(EXAMPLES / "compare_prices.py", "--sandbox", "--max-items", "10", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for keyword in ("手机壳", "连衣裙", "耳机"):  # the first searched alone, the others in bulk
        assert f"{keyword}:" in done.stdout
    platforms = [line.split()[0] for line in done.stdout.splitlines() if "¥" in line and "cheapest" not in line]
    assert platforms.count("1688") == platforms.count("taobao") == platforms.count("poizon") == 3
    assert done.stdout.count("cheapest on ") == 3 and "failed" not in done.stdout
