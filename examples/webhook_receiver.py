"""Receive DAJI's order messages (created, paid, shipped...) in an aiohttp application.

    python examples/webhook_receiver.py --port 8000           # serve until Ctrl-C; register the URL with DAJI
    python examples/webhook_receiver.py --sandbox              # the sandbox buys, the receiver hears of it

``MessageReceiver`` checks each push's signature (``_dj_signature``; 403 when it is forged),
answers a 4xx to anything malformed and a 410 to a push outside its freshness window, answers 200
before your callback runs, drops redeliveries of a message it already accepted and runs the
callback at most ``concurrency`` at a time. Messages may arrive out of order, so the callback
re-reads the order before acting on it. The app secret comes from ``DAJI_APP_SECRET`` (or
``app_secret=``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from aiohttp import web

from daji_async import Address, CargoLine, DajiClient, OrderStatus
from daji_async.messages import Message, MessageReceiver, Topic
from daji_async.sandbox import SandboxServer


def handler(client: DajiClient) -> Callable[[Message], Awaitable[None]]:
    """Your code: keep what you must not lose here (write it to your queue or table first)."""

    async def on_message(message: Message) -> None:
        order = message.order
        if order is None:  # another topic: message.data says what (a Taobao Struct or a dict)
            print(f"{message.topic}: {message.data}")
            return
        # messages may arrive out of order: re-read the order before acting on it
        current = await client.orders.get(order.order_id)
        print(f"{message.topic}: order {order.order_id} said {order.current_status}, is now {current.status}")
        if message.topic == Topic.ORDER_BUYER_VIEW_ORDER_PAY and current.status != OrderStatus.WAIT_BUYER_PAY:
            pass  # e.g. mark the order paid in your database

    return on_message


async def serve(receiver: MessageReceiver, port: int) -> web.AppRunner:
    """Your web application, with the receiver mounted at /1688/messages."""
    app = web.Application()
    app.add_subapp("/1688/messages", receiver.app())
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def buy_in_sandbox(client: DajiClient) -> None:
    """Create and pay one order in the sandbox: it pushes a message for each change."""
    item = (await client.products.keyword_search("背包")).items[0]
    detail = await client.products.detail(item.offer_id)
    sku = next(s for s in detail.product_sku_infos if (s.amount_on_sale or 0) >= 2)
    address = Address(full_name="张三", mobile="13800000000", address="文一西路969号")
    order = await client.orders.create(address, [CargoLine(item.offer_id, sku.spec_id, 2)])
    assert order.order_id is not None  # create returns only with a readable order id
    await client.payments.pay(order.order_id)


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8000, help="where to listen (0: any free port)")
    parser.add_argument("--sandbox", action="store_true", help="let the sandbox push to this receiver, then exit")
    args = parser.parse_args(argv)
    if not args.sandbox:
        async with DajiClient() as client:
            runner = await serve(MessageReceiver(handler(client), concurrency=4), args.port)
            print(f"listening on http://127.0.0.1:{args.port}/1688/messages")
            try:
                await asyncio.Event().wait()  # until Ctrl-C
            finally:
                await runner.cleanup()
        return

    async with SandboxServer() as sandbox, sandbox.client() as client:
        receiver = MessageReceiver(handler(client), app_secret=sandbox.app_secret, concurrency=4)
        runner = await serve(receiver, 0)
        host, port = runner.addresses[0][:2]
        sandbox.state.config.webhook_url = f"http://{host}:{port}/1688/messages"  # what you register with DAJI
        try:
            await buy_in_sandbox(client)
            for _ in range(500):  # the pushes arrive on their own: wait for the two
                if receiver.stats.processed >= 2:
                    break
                await asyncio.sleep(0.01)
            print(receiver.stats)
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
