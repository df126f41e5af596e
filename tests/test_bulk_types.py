"""Bulk results are typed by the platform's item (issue 23, item 4): under ``mypy --strict``,
a misspelt item attribute on a bulk result of 1688, Taobao or Poizon is an error, and the
right name passes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (the call, the right attribute of its items); each becomes one line of each snippet
CALLS = {
    "client.bulk.keyword_search(['a'], max_items=5)": "price_info",
    "client.bulk.image_search(['https://cbu01.alicdn.com/a.jpg'])": "price_info",
    "client.bulk.walk(lambda s: client.products.shop_search(s), ['seller'])": "offer_id",
    "client.bulk.taobao.keyword_search(['a'], sort='price', max_items=5)": "title",
    "client.bulk.taobao.image_search(['https://img.alicdn.com/a.jpg'])": "item_id",
    "client.bulk.poizon.search(['Nike'], title='Dunk', max_items=5)": "dw_spu_id",
}
WRONG = {"price_info": "pricee_info", "offer_id": "offerid", "title": "titel", "item_id": "itemid", "dw_spu_id": "spu"}


def snippet(attributes: list[str]) -> str:
    lines = ["from daji_async import DajiClient", "", "", "async def run(client: DajiClient) -> None:"]
    for n, (call, attribute) in enumerate(zip(CALLS, attributes, strict=True)):
        lines += [f"    async for r{n} in {call}:", f"        print(r{n}.items[0].{attribute})"]
    return "\n".join(lines) + "\n"


def test_item_attributes_of_bulk_results_are_checked_by_mypy_strict(tmp_path: Path) -> None:
    right = tmp_path / "right.py"
    wrong = tmp_path / "wrong.py"
    right.write_text(snippet(list(CALLS.values())), encoding="utf-8")
    wrong.write_text(snippet([WRONG[a] for a in CALLS.values()]), encoding="utf-8")
    files = (right, wrong)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", *map(str, files)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert "right.py" not in output, output  # the right names pass
    errors = re.findall(r"wrong\.py:(\d+): error: (.*)", output)
    # one attr-defined error per call, on its print line, naming the platform's item type
    assert [int(line) for line, _ in errors] == [6 + 2 * n for n in range(len(CALLS))], output
    named = [re.search(r'"(\w+)" has no attribute', message) for _, message in errors]
    assert [m.group(1) if m else None for m in named] == [
        "ProductItem",
        "ProductItem",
        "ProductItem",
        "TaobaoItem",
        "TaobaoItem",
        "PoizonSpu",
    ], output
