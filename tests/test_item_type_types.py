"""``item_type=`` is typed end to end (issue 27, item 1): under ``mypy --strict`` a search given
``item_type=Mine`` is a ``Paginator[..., Mine]`` and its bulk form yields
``BulkResult[..., list[Mine]]``, so a misspelt attribute of ``Mine`` is an error, the right
name passes, and a search without ``item_type`` keeps the platform's item type."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEADER = """from typing import Union

import msgspec

from daji_async import BulkResult, DajiClient, ImageSearchPage, Page, Paginator, PoizonSearchPage, ProductItem
from daji_async import TaobaoSearchPage


class Offer(msgspec.Struct, rename="camel"):
    offer_id: int


class Line(msgspec.Struct):
    item_id: int = 0


class Spu(msgspec.Struct, rename="camel"):
    dw_spu_id: int


async def run(client: DajiClient) -> None:
    walk: Paginator[Page[Offer], Offer] = client.products.keyword_search("a", item_type=Offer)
    images: Paginator[ImageSearchPage[Offer], Offer] = client.products.image_search("https://a", item_type=Offer)
    lines: Paginator[TaobaoSearchPage[Line], Line] = client.taobao.products.keyword_search("a", item_type=Line)
    spus: Paginator[PoizonSearchPage[Spu], Spu] = client.poizon.products.search(brand="N", item_type=Spu)
    plain: Paginator[Page[ProductItem], ProductItem] = client.products.keyword_search("a")
    result: BulkResult[str, list[Offer]]
    print(walk, images, lines, spus, plain)
"""

#: (an expression giving one item, its right attribute, the item type mypy must name)
USES = [
    ("(await client.products.keyword_search('a', item_type=Offer)).items[0]", "offer_id", "Offer"),
    ("[i async for i in client.products.shop_search('s', item_type=Offer)][0]", "offer_id", "Offer"),
    ("[i async for i in client.taobao.products.shop_search(1, item_type=Line)][0]", "item_id", "Line"),
    (
        "[i async for i in client.taobao.products.image_search(image_url='https://a', item_type=Line)][0]",
        "item_id",
        "Line",
    ),
    ("[i async for i in client.taobao.products.hot_list_products(1, item_type=Line)][0]", "item_id", "Line"),
    ("[i async for i in client.poizon.products.search(brand='N', item_type=Spu)][0]", "dw_spu_id", "Spu"),
    ("[r async for r in client.bulk.keyword_search(['a'], item_type=Offer)][0].items[0]", "offer_id", "Offer"),
    ("[r async for r in client.bulk.image_search(['https://a'], item_type=Offer)][0].items[0]", "offer_id", "Offer"),
    ("[r async for r in client.bulk.taobao.keyword_search(['a'], item_type=Line)][0].items[0]", "item_id", "Line"),
    (
        "[r async for r in client.bulk.taobao.image_search(['https://a'], item_type=Line)][0].items[0]",
        "item_id",
        "Line",
    ),
    ("[r async for r in client.bulk.poizon.search(['N'], item_type=Spu)][0].items[0]", "dw_spu_id", "Spu"),
    ("[r async for r in client.bulk.keyword_search(['a'])][0].items[0]", "price_info", "ProductItem"),
]
BULK = "    result = [r async for r in client.bulk.keyword_search(['a'], item_type=Offer)][0]\n"


def snippet(wrong: bool) -> str:
    lines = [f"    print(({use}).{attribute + ('x' if wrong else '')})" for use, attribute, _ in USES]
    return HEADER + BULK + "\n".join(lines) + "\n"


def test_item_type_flows_into_paginators_and_bulk_results_under_mypy_strict(tmp_path: Path) -> None:
    right = tmp_path / "right.py"
    wrong = tmp_path / "wrong.py"
    right.write_text(snippet(False), encoding="utf-8")
    wrong.write_text(snippet(True), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--follow-imports=silent",
            str(right),
            str(wrong),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert "right.py" not in output, output  # the annotations above hold and the right names pass
    errors = re.findall(r"wrong\.py:(\d+): error: (.*)", output)
    first = len(HEADER.splitlines()) + 2
    assert [int(line) for line, _ in errors] == list(range(first, first + len(USES))), output
    named = [re.search(r'"(\w+)" has no attribute', message) for _, message in errors]
    assert [m.group(1) if m else None for m in named] == [kind for _, _, kind in USES], output
