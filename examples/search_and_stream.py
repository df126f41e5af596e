"""Search 1688 by keyword: the first page, then every item streamed across pages.

    python examples/search_and_stream.py --sandbox            # the embedded sandbox, no credentials
    python examples/search_and_stream.py 手机壳 --max-items 500 # the real service (DAJI_APP_KEY/SECRET)

The first page says how many offers match; ``async for`` then walks the pages (four in flight at
once) and holds one page at a time, so memory stays flat whatever ``--max-items`` is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from daji_async import DajiClient, Filter
from daji_async.sandbox import SandboxServer


async def run(keyword: str, max_items: int, client: DajiClient) -> int:
    first = await client.products.keyword_search(keyword, sort={"price": "asc"})
    print(f"{first.total_records} offers for {keyword}, {first.total_pages} pages of {first.page_size}")

    count = 0
    search = client.products.keyword_search(
        keyword, filter=[Filter.SHIP_IN_48_HOURS], page_size=50, max_items=max_items, prefetch=4
    )
    async for item in search:
        price = item.price_info.price if item.price_info else "?"
        print(f"{item.offer_id}\t{price}\t{item.subject_trans}")
        count += 1
    print(f"{count} items streamed (shipping in 48 hours)")
    return count


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("keyword", nargs="?", default="连衣裙", help="a Chinese keyword (default 连衣裙)")
    parser.add_argument("--max-items", type=int, default=120)
    parser.add_argument("--sandbox", action="store_true", help="run against the embedded sandbox")
    args = parser.parse_args(argv)
    async with contextlib.AsyncExitStack() as stack:
        if args.sandbox:
            sandbox = await stack.enter_async_context(SandboxServer())
            client = await stack.enter_async_context(sandbox.client())
        else:
            client = await stack.enter_async_context(DajiClient())  # DAJI_APP_KEY, DAJI_APP_SECRET
        await run(args.keyword, args.max_items, client)


if __name__ == "__main__":
    asyncio.run(main())
