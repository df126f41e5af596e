"""Buy on 1688 without ever paying twice: preview, create, pay, and recover from lost answers.

    python examples/buy_flow.py --sandbox     # the sandbox also loses the create and pay answers once
    python examples/buy_flow.py 727920485853 --spec-id <spec id> --quantity 2 --out-order-id shop-1001

Create and pay are never retried by the SDK. When their answer is lost (a timeout, a dropped
connection), the SDK raises ``OrderOutcomeUnknownError`` / ``PaymentOutcomeUnknownError``: the
order may exist, the money may have gone. This script looks before it repeats anything:

- create: look the order up by *your* ``out_order_id`` (sent as ``thirdOrderId``, found again
  through the order list's filter); create again (same id) only if 1688 says ``ORDER_NOT_EXIST``;
- pay: read the order's status; pay again only while it is still ``waitbuyerpay``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

import aiohttp

from daji_async import (
    Address,
    CargoLine,
    DajiClient,
    OrderOutcomeUnknownError,
    OrderStatus,
    PaymentOutcomeUnknownError,
    TradeError,
    fen_to_yuan,
)
from daji_async.sandbox import SandboxServer

ADDRESS = Address(
    full_name="张三",
    mobile="13800000000",
    province_text="浙江省",
    city_text="杭州市",
    area_text="余杭区",
    town_text="五常街道",
    address="文一西路969号",
    post_code="311121",
    district_code="330110",
)


async def create_once(client: DajiClient, cargo: list[CargoLine], out_order_id: str) -> str:
    """Create the order, or find the one an earlier attempt created: never two."""
    try:
        order = await client.orders.create(ADDRESS, cargo, out_order_id=out_order_id)
    except OrderOutcomeUnknownError as err:
        print(f"create: outcome unknown ({'timed out' if err.timed_out else 'answer lost'}); looking it up")
        try:
            found = await client.orders.get(out_order_id=err.out_order_id)
        except TradeError as missing:
            if missing.code != "ORDER_NOT_EXIST":
                raise
            order = await client.orders.create(ADDRESS, cargo, out_order_id=err.out_order_id)
        else:
            if found.order_id is None:  # an order without its id: do not guess, stop here
                raise
            print("create: the order exists, not creating another")
            return found.order_id
    assert order.order_id is not None  # create returns only with a readable order id
    return order.order_id


async def pay_once(client: DajiClient, order_id: str) -> None:
    """Pay; after an unknown outcome, pay again only if the order is still unpaid."""
    try:
        await client.payments.pay(order_id)
    except PaymentOutcomeUnknownError as err:
        print(f"pay: outcome unknown ({'timed out' if err.timed_out else 'answer lost'}); checking the order")
        status = (await client.orders.get(order_id)).status
        if status == OrderStatus.WAIT_BUYER_PAY:
            await client.payments.pay(order_id)
        else:
            print(f"pay: the order is already {status}, not paying again")


async def buy(client: DajiClient, cargo: list[CargoLine], out_order_id: str) -> str:
    preview = await client.orders.preview(ADDRESS, cargo)
    result = preview.results[0]
    if result.sum_payment is not None:
        print(f"preview: {fen_to_yuan(result.sum_payment)} yuan to pay")
    order_id = await create_once(client, cargo, out_order_id)
    print(f"order {order_id}: {(await client.orders.get(order_id)).status}")
    links = await client.payments.links([order_id])
    print(f"order {order_id}: cashier link {links.url_for(order_id)}")
    await pay_once(client, order_id)
    order = await client.orders.get(order_id)
    total = order.base_info.total_amount if order.base_info else None
    print(f"order {order_id}: {order.status}, {total} yuan")
    return order_id


async def lose_next_answers(sandbox: SandboxServer) -> None:
    """Make the sandbox carry out the next create and pay, then drop the connection unanswered."""
    async with aiohttp.ClientSession() as http:
        for path in ("/alibaba/trade/createCrossOrder", "/alibaba/trade/pay/protocolPay/preparePay"):
            url = f"{sandbox.base_url}/_sandbox/orders/lose-answer"
            async with http.post(url, json={"path": path, "kind": "reset"}) as answer:
                answer.raise_for_status()


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("offer_id", nargs="?", type=int, help="the offer to buy (sandbox: the first 水杯 offer)")
    parser.add_argument("--spec-id", help="the SKU's spec id, from products.detail (sandbox: one in stock)")
    parser.add_argument("--quantity", type=int, default=2)
    parser.add_argument("--out-order-id", default="example-order-1", help="your own order number")
    parser.add_argument("--sandbox", action="store_true", help="buy in the embedded sandbox (and lose answers)")
    args = parser.parse_args(argv)
    async with contextlib.AsyncExitStack() as stack:
        if args.sandbox:
            sandbox = await stack.enter_async_context(SandboxServer())
            client = await stack.enter_async_context(sandbox.client())
            item = (await client.products.keyword_search("水杯")).items[0]
            detail = await client.products.detail(item.offer_id)
            sku = next(s for s in detail.product_sku_infos if (s.amount_on_sale or 0) >= args.quantity)
            offer_id, spec_id = item.offer_id, sku.spec_id
            await lose_next_answers(sandbox)
        else:
            if args.offer_id is None or args.spec_id is None:
                parser.error("offer_id and --spec-id are required against the real service")
            client = await stack.enter_async_context(DajiClient())
            offer_id, spec_id = args.offer_id, args.spec_id
        await buy(client, [CargoLine(offer_id, spec_id, args.quantity)], args.out_order_id)


if __name__ == "__main__":
    asyncio.run(main())
