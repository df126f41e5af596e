"""`client.offers.image_search`, its bulk form and `daji offers --image` (issue 29, item 4)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from daji_async import Offer
from daji_async.sandbox import SandboxServer
from tests.test_pictures import FOREIGN, jpeg, png


async def test_a_photo_finds_offers_on_both_platforms(daji_sandbox: SandboxServer, tmp_path: Path) -> None:
    photo = tmp_path / "bag.png"
    photo.write_bytes(png(42))
    async with daji_sandbox.client() as client:
        offers = [o async for o in client.offers.image_search(photo, max_items=5)]
        assert all(isinstance(o, Offer) for o in offers)
        assert sorted(o.platform for o in offers) == ["1688"] * 5 + ["taobao"] * 5
        assert daji_sandbox.upload_count == 2  # once per platform
        with photo.open("rb") as fh:  # a file object is read once, for both platforms
            again = [o async for o in client.offers.image_search(fh, max_items=3)]
        assert {o.platform for o in again} == {"1688", "taobao"}
        assert daji_sandbox.upload_count == 2  # the same picture: its ids are remembered
        only = [o async for o in client.offers.image_search(FOREIGN, platforms=("taobao",), max_items=2)]
        assert [o.platform for o in only] == ["taobao", "taobao"]


async def test_bad_arguments_and_pictures(daji_sandbox: SandboxServer, tmp_path: Path) -> None:
    async with daji_sandbox.client() as client:
        with pytest.raises(ValueError, match="poizon has no image search"):
            client.offers.image_search(png(1), platforms=("1688", "poizon"))
        with pytest.raises(TypeError, match="picture must be"):
            client.offers.image_search(None)  # type: ignore[arg-type]
        with pytest.raises(FileNotFoundError, match=r"missing\.jpg"):
            [o async for o in client.offers.image_search(tmp_path / "missing.jpg")]
        with pytest.raises(ValueError, match="not a JPG, PNG or WEBP"):
            [o async for o in client.offers.image_search(io.BytesIO(b"text"))]
    assert daji_sandbox.requests == []


async def test_the_bulk_form(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.route("/taobao/traffic/item/imgsearch").fault("status", status=503, times=20)
    async with daji_sandbox.client(max_retries=0) as client:
        pictures = [png(1), jpeg(2), png(1)]
        results = [r async for r in client.bulk.offers.image_search(pictures, max_items=4, ordered=True)]
    assert [r.query for r in results] == pictures
    for result in results:
        assert [o.platform for o in result.items] == ["1688"] * 4  # Taobao failed, 1688's offers kept
        assert result.error is not None and result.value is not None
        assert [f.platform for f in result.value.failures] == ["taobao"]


def test_daji_offers_image(tmp_path: Path) -> None:
    (tmp_path / "shoe.jpg").write_bytes(jpeg(9))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAJI_")}
    command = [sys.executable, "-m", "daji_async", "--sandbox", "offers", "--image"]
    done = subprocess.run(
        [*command, "shoe.jpg", "--max-items", "3", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(row["platform"] for row in rows) == ["1688"] * 3 + ["taobao"] * 3
    for extra, words in [
        (["shoe.jpg", "连衣裙"], "KEYWORD or --image"),
        (["missing.jpg"], "--image: no such picture file"),
        (["shoe.jpg", "--platforms", "1688,poizon"], "poizon has no image search"),
    ]:
        refused = subprocess.run([*command, *extra], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert refused.returncode == 2 and words in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
