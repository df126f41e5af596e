"""Compare prices across 1688, Taobao/Tmall and Poizon: the cheapest offer of each platform per keyword.

    python examples/compare_prices.py --sandbox                    # the embedded sandbox, no credentials
    python examples/compare_prices.py 手机壳 连衣裙 --max-items 50   # the real service (DAJI_APP_KEY/SECRET)

One keyword is searched on every platform at once (``client.offers.keyword_search``); many
keywords go through the bulk engine (``client.bulk.offers``). Every offer has the same fields
whatever its platform, and its ``price`` is a ``Decimal`` of yuan: 1688's yuan text and Taobao's
and Poizon's fen are already converted, so prices compare directly. A platform that fails is
reported and the others' offers are still compared.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Iterable
from decimal import Decimal

from daji_async import DajiClient, Offer, PlatformFailure
from daji_async.sandbox import SandboxServer


def cheapest_by_platform(offers: Iterable[Offer]) -> dict[str, Offer]:
    """The cheapest priced offer of each platform."""
    best: dict[str, tuple[Decimal, Offer]] = {}
    for offer in offers:
        price = offer.price
        if price is None:  # an item without a price has nothing to compare
            continue
        held = best.get(offer.platform)
        if held is None or price < held[0]:
            best[offer.platform] = (price, offer)
    return {platform: offer for platform, (_, offer) in best.items()}


def show(keyword: str, best: dict[str, Offer]) -> None:
    print(f"{keyword}:")
    for offer in sorted(best.values(), key=lambda o: o.price or Decimal(0)):
        print(f"  {offer.platform:<7} ¥{offer.price:>9}  {offer.title}  {offer.url}")
    if best:
        winner = min(best.values(), key=lambda o: o.price or Decimal(0))
        print(f"  cheapest on {winner.platform}: ¥{winner.price}")


async def run(keywords: list[str], max_items: int, client: DajiClient) -> None:
    # one keyword: its offers as they arrive, every platform at once
    first = keywords[0]
    offers: list[Offer] = []
    async for found in client.offers.keyword_search(first, max_items=max_items, return_exceptions=True):
        if isinstance(found, PlatformFailure):
            print(f"{found.platform} failed for {found.keyword}: {found.error}")
        else:
            offers.append(found)
    show(first, cheapest_by_platform(offers))

    # many keywords: one result per keyword, on the bulk engine
    async for result in client.bulk.offers(keywords[1:], max_items=max_items, ordered=True):
        for failure in result.value.failures if result.value is not None else []:
            print(f"{failure.platform} failed for {result.query}: {failure.error}")
        show(result.query, cheapest_by_platform(result.items))


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("keywords", nargs="*", default=["手机壳", "连衣裙", "耳机"], help="Chinese keywords")
    parser.add_argument("--max-items", type=int, default=20, help="offers per platform and keyword")
    parser.add_argument("--sandbox", action="store_true", help="run against the embedded sandbox")
    args = parser.parse_args(argv)
    async with contextlib.AsyncExitStack() as stack:
        if args.sandbox:
            sandbox = await stack.enter_async_context(SandboxServer())
            client = await stack.enter_async_context(sandbox.client())
        else:
            client = await stack.enter_async_context(DajiClient())  # DAJI_APP_KEY, DAJI_APP_SECRET
        await run(args.keywords, args.max_items, client)


if __name__ == "__main__":
    asyncio.run(main())
