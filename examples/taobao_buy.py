"""Buy on Taobao/Tmall: search, map items to distribution ids, preview, create, pay in batches.

    python examples/taobao_buy.py --sandbox                   # the embedded sandbox, no credentials
    python examples/taobao_buy.py 手机壳 --orders 12           # the real service (DAJI_APP_KEY/SECRET)

Money is in fen throughout. Create carries your purchase number (``third_order_id``): if its
answer is lost, the error names it and the order is looked for, never created a second time under
a new number. Pay goes out at most 10 orders a call; every batch is reported, so an order whose
payment is unknown is queried before anything else happens to it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import uuid

from daji_async import (
    DajiClient,
    TaobaoAddress,
    TaobaoOrderLine,
    TaobaoOrderOutcomeUnknownError,
    TaobaoRenderLine,
    fen_to_yuan,
)
from daji_async.sandbox import SandboxServer

#: Your China warehouse: Taobao delivers there (the wiki asks for it as the receiver).
WAREHOUSE = TaobaoAddress(
    name="杭州仓", mobile_phone="13800000000", state="浙江省", city="杭州市", district="余杭区", address="文一西路1号"
)


async def run(keyword: str, orders: int, client: DajiClient) -> None:
    taobao = client.taobao
    page = await taobao.products.keyword_search(keyword, page_size=5)
    item = page.items[0]
    print(f"{page.total_count} items for {keyword}; buying {item.item_id} {item.title}")

    info = await taobao.products.distribution_info(item.item_id)
    sku = info.sku_list[0]
    if sku.mp_id is None or sku.mp_skuid is None:
        raise SystemExit(f"item {item.item_id} cannot be bought through distribution ({info.item_type})")
    preview = await taobao.orders.preview([TaobaoRenderLine(sku.mp_id, sku.mp_skuid, 1)], receiver_address=WAREHOUSE)
    if preview.total_amount is None or preview.lines[0].price is None:
        raise SystemExit("the preview priced nothing")
    print(f"preview: {fen_to_yuan(preview.total_amount)} yuan a purchase, freight included")

    line = TaobaoOrderLine(item_id=sku.mp_id, sku_id=sku.mp_skuid, quantity=1, price=preview.lines[0].price)
    purchase_ids: list[str] = []
    for _ in range(orders):
        number = uuid.uuid4().hex  # your purchase number: keep it before sending
        try:
            created = await taobao.orders.create(
                [line],
                receiver=WAREHOUSE,
                warehouse_address=WAREHOUSE,
                order_source="lazada",
                purchase_amount=preview.total_amount,
                third_order_id=number,
            )
        except TaobaoOrderOutcomeUnknownError as lost:
            print(f"create of {lost.third_order_id} got no answer: look it up before trying again")
            continue
        purchase_ids.append(created.purchase_id)
    print(f"created {len(purchase_ids)} purchase orders")

    result = await taobao.payments.pay(purchase_ids)
    print(f"{len(result.batches)} pay calls: {len(result.paid_order_ids)} paid, "
          f"{len(result.refused_order_ids)} refused, {len(result.unknown_order_ids)} unknown")  # fmt: skip
    for purchase_id in result.unknown_order_ids:
        print(purchase_id, (await taobao.orders.get(purchase_id)).status)
    if purchase_ids:
        print("first order:", (await taobao.orders.get(purchase_ids[0])).status)


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("keyword", nargs="?", default="手机壳", help="a Chinese keyword (default 手机壳)")
    parser.add_argument("--orders", type=int, default=12, help="purchase orders to create and pay")
    parser.add_argument("--sandbox", action="store_true", help="run against the embedded sandbox")
    args = parser.parse_args(argv)
    async with contextlib.AsyncExitStack() as stack:
        if args.sandbox:
            sandbox = await stack.enter_async_context(SandboxServer())
            client = await stack.enter_async_context(sandbox.client())
        else:
            client = await stack.enter_async_context(DajiClient())  # DAJI_APP_KEY, DAJI_APP_SECRET
        await run(args.keyword, args.orders, client)


if __name__ == "__main__":
    asyncio.run(main())
