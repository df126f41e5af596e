"""Find my products on 1688 (or Taobao) from a folder of photos: each photo uploaded once, then searched.

    python examples/find_by_photos.py examples/data --sandbox
    python examples/find_by_photos.py ~/shop-photos --platform taobao --top 5
    python examples/find_by_photos.py ~/shop-photos --redis redis://localhost:6379/0   # ids kept between runs

Every JPG, PNG and WEBP file of the folder is searched (``client.bulk.image_search``): the SDK
checks each (at most 3 MB), uploads each distinct picture once (two files with the same bytes
share one upload), and searches the first photos while later ones are still uploading. With
``--redis`` the image ids are kept in Redis, so a second run over the same folder uploads
nothing while the ids are valid. The output is one line per photo: its best matches, cheapest
first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from daji_async import BulkProgress, BulkResult, DajiClient, RedisCache
from daji_async.models.orders import fen_to_yuan
from daji_async.models.products import ProductItem
from daji_async.models.taobao import TaobaoItem
from daji_async.sandbox import SandboxServer

PICTURES = (".jpg", ".jpeg", ".png", ".webp")


def price_of(item: ProductItem | TaobaoItem) -> Decimal:
    """An item's price in yuan (1688 sends yuan text, Taobao fen), unknown ones last."""
    if isinstance(item, TaobaoItem):
        return fen_to_yuan(item.price) if isinstance(item.price, int) else Decimal("Infinity")
    text = item.price_info.price if item.price_info is not None else None
    try:
        return Decimal(text) if text else Decimal("Infinity")
    except InvalidOperation:
        return Decimal("Infinity")


def describe(item: ProductItem | TaobaoItem) -> str:
    if isinstance(item, TaobaoItem):
        return f"{item.item_id}\t{price_of(item)}\t{item.title or ''}"
    return f"{item.offer_id}\t{price_of(item)}\t{item.subject_trans or item.subject or ''}"


def photos_in(folder: Path) -> list[Path]:
    """The folder's pictures, in name order (not its subfolders)."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PICTURES and p.is_file())


async def run(folder: Path, platform: str, top: int, client: DajiClient) -> int:
    photos = await asyncio.to_thread(photos_in, folder)  # a large folder: off the event loop
    if not photos:
        print(f"no JPG, PNG or WEBP file in {folder}")
        return 1
    last = BulkProgress(0, 0, len(photos))

    def progress(update: BulkProgress) -> None:
        nonlocal last
        last = update

    results: Any  # BulkResult[Any, list[ProductItem]] or BulkResult[Any, list[TaobaoItem]]
    if platform == "taobao":
        results = client.bulk.taobao.image_search(photos, max_items=20, concurrency=8, ordered=True, progress=progress)
    else:
        results = client.bulk.image_search(photos, max_items=20, concurrency=8, ordered=True, progress=progress)
    result: BulkResult[Any, list[Any]]
    async for result in results:
        name = Path(result.query).name
        if result.error is not None:
            print(f"{name}: failed: {result.error}")
            continue
        best = sorted(result.items, key=price_of)[:top]
        print(f"{name}: {len(result.items)} matches (image id {result.image_id})")
        for item in best:
            print("    " + describe(item))
    print(
        f"{last.done} photos, {last.uploads} uploaded, {last.reused} reused from earlier uploads, "
        f"{last.searches} searches, {last.failed} failed"
    )
    return 1 if last.failed else 0


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("folder", type=Path, help="a folder of product photos (JPG, PNG or WEBP)")
    parser.add_argument("--platform", choices=("1688", "taobao"), default="1688")
    parser.add_argument("--top", type=int, default=3, help="matches shown per photo, cheapest first")
    parser.add_argument("--redis", metavar="URL", help="keep the uploaded image ids in this Redis")
    parser.add_argument("--sandbox", action="store_true", help="run against the embedded sandbox")
    args = parser.parse_args(argv)
    async with contextlib.AsyncExitStack() as stack:
        cache = await stack.enter_async_context(RedisCache(args.redis)) if args.redis else None
        if args.sandbox:
            sandbox = await stack.enter_async_context(SandboxServer())
            client = await stack.enter_async_context(sandbox.client(cache=cache))
        else:
            client = await stack.enter_async_context(DajiClient(cache=cache))
        return await run(args.folder, args.platform, args.top, client)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
