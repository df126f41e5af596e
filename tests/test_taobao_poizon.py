"""Taobao/Tmall and Poizon against the sandbox over loopback: paging schemes, limits, the
purchase flow with batched pay, money rules under lost answers, faults, and bulk."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from daji_async import (
    BadRequestError,
    DajiClient,
    NotFoundError,
    PaginationError,
    TaobaoAddress,
    TaobaoOrderLine,
    TaobaoOrderOutcomeUnknownError,
    TaobaoRenderLine,
    TradeError,
)
from daji_async.sandbox import SandboxServer
from daji_async.sandbox._orders_store import orders_store
from daji_async.sandbox._taobao import taobao_store

SEARCH = "/taobao/traffic/item/search"
CREATE = "/taobao/purchase/order/create"
POIZON_LIST = "/poizon/product/queryList"
WAREHOUSE = TaobaoAddress(
    name="杭州仓", mobile_phone="13800000000", state="浙江省", city="杭州市", district="余杭区", address="文一西路1号"
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def requests_to(sandbox: SandboxServer, path: str) -> int:
    return int(sandbox.stats["by_path"].get(path, 0))


# --------------------------------------------------------------------------- Taobao products


async def test_keyword_search_45_items_in_3_requests(daji_sandbox: SandboxServer, daji_client: DajiClient) -> None:
    items = [item async for item in daji_client.taobao.products.keyword_search("手机壳", max_items=45)]
    assert len(items) == 45 and len({i.item_id for i in items}) == 45
    assert requests_to(daji_sandbox, SEARCH) == 3  # 20 + 20 + 5: page_size is at most 20
    assert all("手机壳" in (i.title or "") and isinstance(i.price, int) for i in items)  # prices in fen


async def test_keyword_search_pages_resume_and_end(daji_client: DajiClient) -> None:
    search = daji_client.taobao.products.keyword_search("手机壳", max_pages=2)
    first = [i.item_id async for i in search]
    assert len(first) == 40 and search.next_page == 3
    rest = daji_client.taobao.products.keyword_search("手机壳", page=search.next_page)
    others = [i.item_id async for i in rest]
    page = await daji_client.taobao.products.keyword_search("手机壳")
    assert page.total_count == len(first) + len(others) and not set(first) & set(others)
    assert rest.next_page is None


async def test_sandbox_enforces_taobao_page_size(daji_client: DajiClient) -> None:
    with pytest.raises(BadRequestError, match="page_size"):
        await daji_client.request("GET", SEARCH, params={"keyword": "手机壳", "page_no": 1, "page_size": 21})


async def test_image_search_v1_by_uploaded_id_and_v2_by_url(daji_client: DajiClient) -> None:
    products = daji_client.taobao.products
    image_id = await products.upload_image(PNG)
    by_id = [i.item_id async for i in products.image_search(image_id, max_items=30)]
    assert len(by_id) == 30 == len(set(by_id))
    walk = products.image_search(image_url="https://img.alicdn.com/imgextra/shoe.jpg", category_id=4)
    pages = [page async for page in walk.pages()]
    assert [p.page_no for p in pages] == list(range(len(pages)))  # pageNo is 0-based
    assert sum(len(p.items) for p in pages) == pages[0].total
    with pytest.raises(BadRequestError, match="categoryId"):
        await products.image_search(image_url="https://img.alicdn.com/a.jpg", category_id=10)


async def test_detail_bunker_freight_and_shop(daji_client: DajiClient) -> None:
    products = daji_client.taobao.products
    page = await products.keyword_search("背包", page_size=5)
    item = page.items[0]
    detail = await products.detail(item.item_id)
    assert detail.item_id == item.item_id and detail.skus and all(isinstance(s.price, int) for s in detail.skus)
    info = await products.distribution_info(item.item_id)
    assert {s.mp_skuid for s in info.sku_list} == {s.sku_id for s in detail.skus}
    freight = await products.logistics_price(item.item_id, quantity=2, state="西藏自治区")
    assert freight.post_fee is not None and freight.post_fee > 0
    assert item.shop_id is not None
    shop = [i async for i in products.shop_search(item.shop_id, max_items=100)]
    assert item.item_id in {i.item_id for i in shop} and {i.shop_id for i in shop} == {item.shop_id}
    with pytest.raises(NotFoundError):
        await products.detail(1)


async def test_upload_by_url_is_the_get_mode(daji_sandbox: SandboxServer, daji_client: DajiClient) -> None:
    image_id = await daji_client.taobao.products.upload_image(url="https://img.alicdn.com/a.jpg")
    assert image_id.isdigit()
    assert requests_to(daji_sandbox, "/taobao/upload/image") == 1


# --------------------------------------------------------------------------- Taobao orders and pay


async def _buyable_line(client: DajiClient, keyword: str = "连衣裙") -> tuple[int, int]:
    page = await client.taobao.products.keyword_search(keyword, page_size=1)
    info = await client.taobao.products.distribution_info(page.items[0].item_id)
    sku = info.sku_list[0]
    assert sku.mp_id is not None and sku.mp_skuid is not None
    return sku.mp_id, sku.mp_skuid


async def test_preview_create_pay_get_flow_with_pay_in_batches_of_ten(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    orders = daji_client.taobao.orders
    item_id, sku_id = await _buyable_line(daji_client)
    preview = await orders.preview([TaobaoRenderLine(item_id, sku_id, 2)], receiver_address=WAREHOUSE)
    assert preview.total_amount is not None and preview.lines[0].price is not None
    line = TaobaoOrderLine(item_id=item_id, sku_id=sku_id, quantity=2, price=preview.lines[0].price)
    created = [
        await orders.create(
            [line],
            receiver=WAREHOUSE,
            warehouse_address=WAREHOUSE,
            order_source="lazada",
            purchase_amount=preview.total_amount,
        )
        for _ in range(25)
    ]
    assert len({c.purchase_id for c in created}) == 25 and all(c.third_order_id for c in created)
    result = await daji_client.taobao.payments.pay([c.purchase_id for c in created])
    assert result.ok and len(result.batches) == 3
    assert [len(call) for call in taobao_store(daji_sandbox.state).pay_calls] == [10, 10, 5]
    order = await orders.get(created[0].purchase_id)
    assert order.status == "WAIT_SELLER_SEND_GOODS" and order.paid
    assert order.purchase_amount == preview.total_amount and order.third_order_id == created[0].third_order_id
    # paying again: the sandbox reports every order as failed, and nothing is dropped
    again = await daji_client.taobao.payments.pay([c.purchase_id for c in created[:3]])
    assert again.refused_order_ids == [c.purchase_id for c in created[:3]] and not again.ok


async def test_cancel_is_asynchronous_and_refused_once_paid(daji_client: DajiClient) -> None:
    orders = daji_client.taobao.orders
    item_id, sku_id = await _buyable_line(daji_client, "钱包")
    line = TaobaoOrderLine(item_id=item_id, sku_id=sku_id, quantity=1, price=999_999)
    kept, dropped = [
        await orders.create(
            [line], receiver=WAREHOUSE, warehouse_address=WAREHOUSE, order_source="lazada", purchase_amount=999_999
        )
        for _ in range(2)
    ]
    answer = await orders.cancel(dropped.purchase_id, reason="买家不想要了")
    assert answer.success and answer.code == "0"
    assert (await orders.get(dropped.purchase_id)).status == "TRADE_CLOSED"
    await daji_client.taobao.payments.pay([kept.purchase_id])
    with pytest.raises(TradeError) as info:
        await orders.cancel(kept.purchase_id, reason="too late")
    assert info.value.code == "ORDER_STATUS_ERROR"
    with pytest.raises(TradeError, match="采购单不存在"):
        await orders.get(123)


async def test_create_refuses_a_short_purchase_amount_and_checks_arguments_first(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    item_id, sku_id = await _buyable_line(daji_client)
    line = TaobaoOrderLine(item_id=item_id, sku_id=sku_id, quantity=1, price=500)
    with pytest.raises(TypeError, match="receiver"):
        await daji_client.taobao.orders.create(
            [line],
            receiver="nowhere",  # type: ignore[arg-type]
            warehouse_address=WAREHOUSE,
            order_source="lazada",
            purchase_amount=500,
        )
    with pytest.raises(ValueError, match="mobile_phone"):
        await daji_client.taobao.orders.create(
            [line], receiver=TaobaoAddress(name="x", state="s", district="d", address="a"),
            warehouse_address=WAREHOUSE, order_source="lazada", purchase_amount=500,
        )  # fmt: skip
    assert requests_to(daji_sandbox, CREATE) == 0


async def test_lost_create_answer_names_third_order_id_and_a_second_create_finds_the_same_order(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    item_id, sku_id = await _buyable_line(daji_client)
    line = TaobaoOrderLine(item_id=item_id, sku_id=sku_id, quantity=1, price=100_000)
    orders_store(daji_sandbox.state).lose_answer(CREATE)
    args: dict[str, Any] = {
        "receiver": WAREHOUSE,
        "warehouse_address": WAREHOUSE,
        "purchase_amount": 100_000,
        "order_source": "lazada",
    }
    with pytest.raises(TaobaoOrderOutcomeUnknownError) as lost:
        await daji_client.taobao.orders.create([line], **args)
    assert requests_to(daji_sandbox, CREATE) == 1  # never retried
    third = lost.value.third_order_id
    again = await daji_client.taobao.orders.create([line], third_order_id=third, **args)
    assert len(taobao_store(daji_sandbox.state).orders) == 1  # the same purchase number: one order
    assert again.third_order_id == third


async def test_faults_on_taobao_search_are_retried_and_a_cycle_is_caught(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    daji_sandbox.add_fault("status", status=503, times=2, path=SEARCH)
    items = [i async for i in daji_client.taobao.products.keyword_search("手机壳", max_items=20)]
    assert len(items) == 20 and requests_to(daji_sandbox, SEARCH) == 3
    daji_sandbox.add_fault("repeat_page", path=SEARCH)
    with pytest.raises(PaginationError):
        [i async for i in daji_client.taobao.products.keyword_search("手机壳", max_items=100)]


# --------------------------------------------------------------------------- Poizon


async def test_poizon_brand_search_walks_its_cursor_to_the_end(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    walk = daji_client.poizon.products.search(brand="Nike", page_size=20)
    spus = [spu async for spu in walk]
    ids = [s.dw_spu_id for s in spus]
    first = await daji_client.poizon.products.search(brand="Nike")
    assert len(ids) == len(set(ids)) == first.total and ids == sorted(ids)
    assert {s.brand_name for s in spus} == {"Nike"}
    assert walk.next_page is None
    # 20 a page (at most one more request to find the end), and the request of `first`
    pages = -(-len(ids) // 20)
    assert pages + 1 <= requests_to(daji_sandbox, POIZON_LIST) <= pages + 2


async def test_poizon_search_resumes_from_its_cursor(daji_client: DajiClient) -> None:
    search = daji_client.poizon.products.search(title="篮球鞋", max_items=30, page_size=10)
    head = [s.dw_spu_id async for s in search]
    assert len(head) == 30 and search.next_page == head[-1]
    tail = [s.dw_spu_id async for s in daji_client.poizon.products.search(title="篮球鞋", page=search.next_page)]
    every = [s.dw_spu_id async for s in daji_client.poizon.products.search(title="篮球鞋", page_size=50)]
    assert head + tail == every


async def test_poizon_detail_categories_and_a_repeating_cursor(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    page = await daji_client.poizon.products.search(brand="adidas", page_size=3)
    detail = await daji_client.poizon.products.detail(page.items[0].dw_spu_id)
    assert detail.dw_spu_id == page.items[0].dw_spu_id and detail.skus
    assert all(isinstance(s.price, int) for s in detail.skus)  # fen
    top = await daji_client.poizon.categories.get()
    assert {c.name for c in top} >= {"鞋类"} and all(c.children for c in top)
    children = await daji_client.poizon.categories.get(1)
    assert {c.parent_id for c in children} == {1}
    daji_sandbox.add_fault("repeat_page", path=POIZON_LIST)
    with pytest.raises(PaginationError):
        [s async for s in daji_client.poizon.products.search(brand="Nike")]


# --------------------------------------------------------------------------- every platform in one client


async def test_client_products_stays_1688_and_alibaba_is_an_alias(daji_client: DajiClient) -> None:
    assert daji_client.alibaba.products is daji_client.products
    page = await daji_client.alibaba.products.keyword_search("连衣裙", page_size=5)
    assert page.items and page.items[0].offer_id


# --------------------------------------------------------------------------- bulk


async def test_bulk_sugar_for_taobao_and_poizon(daji_client: DajiClient) -> None:
    bulk = daji_client.bulk
    keywords = ["手机壳", "数据线", "背包"]
    found = {r.query: r async for r in bulk.taobao.keyword_search(keywords, max_items=25, concurrency=2)}
    assert set(found) == set(keywords) and all(r.error is None and len(r.items) == 25 for r in found.values())
    image_id = await daji_client.taobao.products.upload_image(PNG)
    images = [r async for r in bulk.taobao.image_search([image_id, "https://img.alicdn.com/x.jpg"], max_items=5)]
    assert sorted(len(r.items) for r in images) == [5, 5]
    ids = [i.item_id for i in found["背包"].items[:4]] + [1]  # 1 does not exist: one failure, the others go on
    details = [r async for r in bulk.taobao.detail(ids, ordered=True)]
    assert [r.query for r in details] == ids
    assert [r.error is None for r in details] == [True] * 4 + [False]
    assert isinstance(details[-1].error, NotFoundError)
    brands = [r async for r in bulk.poizon.search(["Nike", "adidas"], max_items=15, ordered=True)]
    assert [r.query for r in brands] == ["Nike", "adidas"]
    assert [{s.brand_name for s in r.items} for r in brands] == [{"Nike"}, {"adidas"}]
    spus = [s.dw_spu_id for s in brands[0].items[:3]]
    assert [r.value.dw_spu_id async for r in bulk.poizon.detail(spus, ordered=True) if r.value] == spus
    with pytest.raises(ValueError, match="page_size"):
        bulk.taobao.keyword_search(keywords, page_size=50)  # checked before any input is read


async def test_bulk_map_works_for_any_platform_call(daji_client: DajiClient) -> None:
    async def cheapest(brand: str) -> int:
        page = await daji_client.poizon.products.search(brand=brand, page_size=50)
        return min(s.min_price or 0 for s in page.items)

    results = [r async for r in daji_client.bulk.map(cheapest, ["Nike", "PUMA"], ordered=True)]
    assert all(isinstance(r.value, int) and r.value > 0 for r in results)


# --------------------------------------------------------------------------- pushes and limits


async def test_sandbox_pushes_taobao_status_messages_to_the_same_receiver(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    from aiohttp import web

    from daji_async.messages import Message, MessageReceiver, TaobaoOrderStatusData, Topic

    received: list[Message] = []
    arrived = asyncio.Event()

    async def callback(message: Message) -> None:
        received.append(message)
        if len(received) == 2:
            arrived.set()

    receiver = MessageReceiver(callback, app_secret=daji_sandbox.app_secret)
    runner = web.AppRunner(receiver.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    daji_sandbox.state.config.webhook_url = f"http://127.0.0.1:{port}/"
    try:
        item_id, sku_id = await _buyable_line(daji_client)
        line = TaobaoOrderLine(item_id=item_id, sku_id=sku_id, quantity=1, price=100_000)
        order = await daji_client.taobao.orders.create(
            [line],
            receiver=WAREHOUSE,
            warehouse_address=WAREHOUSE,
            order_source="lazada",
            purchase_amount=100_000,
            third_order_id="FY-7",
        )
        await daji_client.taobao.payments.pay([order.purchase_id])
        await asyncio.wait_for(arrived.wait(), 30)
    finally:
        await receiver.close()
        await runner.cleanup()
    assert [m.topic for m in received] == [Topic.TAOBAO_ORDER_STATUS] * 2
    statuses = []
    for message in received:
        assert isinstance(message.data, TaobaoOrderStatusData)
        assert message.data.outer_purchase_id == "FY-7" and str(message.data.purchase_id) == order.purchase_id
        statuses.append(message.data.status)
    assert statuses == ["WAIT_BUYER_PAY", "WAIT_SELLER_SEND_GOODS"]


async def test_image_search_v2_never_asks_beyond_page_499(daji_client: DajiClient) -> None:
    url = "https://img.alicdn.com/imgextra/shoe.jpg"
    walk = daji_client.taobao.products.image_search(image_url=url, page=498, page_size=1)
    assert walk.max_pages == 2
    with pytest.raises(ValueError, match="page"):
        daji_client.taobao.products.image_search(image_url=url, page=500)


async def test_sandbox_holds_taobao_wire_types_and_limits(daji_client: DajiClient) -> None:
    pay = "/taobao/purchase/order/batch/pay"
    with pytest.raises(BadRequestError, match="integers"):
        await daji_client.request("POST", pay, json={"purchaseOrderIdList": ["200049919063"]})
    with pytest.raises(BadRequestError, match="at most 10"):
        await daji_client.request("POST", pay, json={"purchaseOrderIdList": list(range(1, 12))})
    render = "/taobao/purchase/order/render"
    address = {"name": "x", "state": "浙江省", "district": "余杭区"}
    lines = [{"itemId": 1, "quantity": "1", "skuId": 2}]
    with pytest.raises(BadRequestError, match="encoded as a string"):
        await daji_client.request("POST", render, json={"receiver_address": address, "render_item_List": lines})
    with pytest.raises(BadRequestError, match="render_item_List"):  # the capital L is the documented name
        await daji_client.request("POST", render, json={"receiver_address": address, "render_item_list": "[]"})
    with pytest.raises(BadRequestError, match="startId"):
        await daji_client.request("GET", POIZON_LIST, params={"startId": "x", "pageSize": 10})


async def test_platform_reads_share_the_response_cache_and_money_calls_never_do(daji_sandbox: SandboxServer) -> None:
    from daji_async import MemoryCache

    cache = MemoryCache()
    async with daji_sandbox.client(cache=cache) as client:
        page = await client.taobao.products.keyword_search("手机壳", page_size=3)
        again = await client.taobao.products.keyword_search("手机壳", page_size=3)
        assert [i.item_id for i in again.items] == [i.item_id for i in page.items]
        spus = [s.dw_spu_id async for s in client.poizon.products.search(brand="PUMA")]
        assert [s.dw_spu_id async for s in client.poizon.products.search(brand="PUMA")] == spus
        item_id, sku_id = await _buyable_line(client)
        line = TaobaoOrderLine(item_id=item_id, sku_id=sku_id, quantity=1, price=100_000)
        args: dict[str, Any] = {
            "receiver": WAREHOUSE,
            "warehouse_address": WAREHOUSE,
            "purchase_amount": 100_000,
            "order_source": "lazada",
        }
        first = await client.taobao.orders.create([line], **args)
        second = await client.taobao.orders.create([line], **args)
    assert first.purchase_id != second.purchase_id  # never answered from the cache
    assert requests_to(daji_sandbox, SEARCH) == 2  # the repeated page and _buyable_line's own page
    stats = cache.stats_by_endpoint()
    assert stats["taobao.products.keyword_search"].hits == 1
    assert stats["poizon.products.search"].hits >= 2 and "taobao.orders.create" not in stats


async def test_platform_calls_have_raw_views(daji_client: DajiClient) -> None:
    page = await daji_client.taobao.products.keyword_search("背包", page_size=1)
    raw = await daji_client.with_raw_response.taobao.products.detail(page.items[0].item_id)
    assert raw.status == 200 and raw.parse().item_id == page.items[0].item_id
    first = await daji_client.with_raw_response.poizon.products.search(brand="Nike", page_size=5)
    assert first.status == 200 and len(first.parse().items) == 5
    assert daji_client.with_raw_response.alibaba.products is daji_client.with_raw_response.products
