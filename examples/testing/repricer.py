"""A small piece of "your application": find the cheapest offer for a keyword.

``test_repricer.py`` beside it tests this code against the DAJI sandbox with the pytest fixtures
the SDK installs (``daji_sandbox``, ``daji_client``): no credentials, no network, no mocks.
"""

from __future__ import annotations

from decimal import Decimal

from daji_async import DajiClient, ProductItem


def price_of(item: ProductItem) -> Decimal | None:
    """The offer's price in yuan (the service sends decimal strings: no float rounding)."""
    if item.price_info is None or not item.price_info.price:
        return None
    return Decimal(item.price_info.price)


async def cheapest(client: DajiClient, keyword: str, *, look_at: int = 100) -> ProductItem | None:
    """The cheapest of the first ``look_at`` offers for ``keyword``, or None when nothing matches."""
    best: ProductItem | None = None
    best_price: Decimal | None = None
    async for item in client.products.keyword_search(keyword, page_size=50, max_items=look_at):
        price = price_of(item)
        if price is not None and (best_price is None or price < best_price):
            best, best_price = item, price
    return best
