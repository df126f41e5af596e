"""Every product endpoint against the sandbox over loopback."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from daji_async import (
    BadRequestError,
    DajiClient,
    Filter,
    ImageSearchPage,
    NotFoundError,
    Page,
    ProductDetail,
    Raw,
    Sort,
    SortOrder,
)
from daji_async.resources.products import MAX_IMAGE_BYTES, image_base64, image_kind
from daji_async.sandbox import SandboxServer

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPG = b"\xff\xd8\xff\xe0" + b"jpeg-body" * 50
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"w" * 100


async def test_keyword_search_first_page(daji_client: DajiClient) -> None:
    page = await daji_client.products.keyword_search("连衣裙")
    assert isinstance(page, Page)
    assert page.current_page == 1
    assert page.page_size == 20
    assert len(page.items) == 20
    assert page.total_pages == -(-page.total_records // 20)
    assert page.trace_id
    item = page.items[0]
    assert "连衣裙" in (item.subject or "")
    assert "Dress" in (item.subject_trans or "")
    assert item.price_info is not None
    assert re.fullmatch(r"\d+\.\d\d", item.price_info.price or "")
    assert item.repurchase_rate is not None
    assert item.repurchase_rate.endswith("%")
    assert isinstance(item.month_sold, int)


async def test_country_translates_and_defaults_to_the_client(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client(country="ru") as client:
        page = await client.products.keyword_search("背包")
        assert all(re.search("[а-яА-Я]", i.subject_trans or "") for i in page.items)
        page = await client.products.keyword_search("背包", country="ja")
        assert all("リュック" in (i.subject_trans or "") for i in page.items)


async def test_sort_filter_and_price_range(daji_client: DajiClient) -> None:
    page = await daji_client.products.keyword_search(
        "手机壳", sort={Sort.PRICE: SortOrder.ASC}, price_start="5", price_end=200.0, page_size=50
    )
    prices = [float(i.price_info.price) for i in page.items if i.price_info and i.price_info.price]
    assert prices == sorted(prices)
    assert all(5 <= p <= 200 for p in prices)
    factories = await daji_client.products.keyword_search(
        "手机壳", filter=[Filter.CERTIFIED_FACTORY, Raw("notAFilterYet")], page_size=50
    )
    assert factories.items
    assert all("super_factory" in i.seller_identities for i in factories.items)
    assert factories.total_records < page.total_records or factories.total_records < 2000


async def test_keyword_is_required(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    with pytest.raises(ValueError, match="keyword"):
        daji_client.products.keyword_search("  ")
    with pytest.raises(ValueError, match="page_size"):
        daji_client.products.keyword_search("连衣裙", page_size=51)
    assert daji_sandbox.stats["requests"] == 0
    by_category = await daji_client.products.keyword_search(category_id=7)
    assert by_category.items


async def test_image_search_by_url(daji_client: DajiClient) -> None:
    url = "https://cbu01.alicdn.com/img/ibank/O1CN01zEkk4m1ruzEhY7QF1_!!2207950555692-0-cib.jpg"
    page = await daji_client.products.image_search(image_url=url, page_size=10)
    assert isinstance(page, ImageSearchPage)
    assert len(page.items) == 10
    assert page.pic_region_info is not None
    assert page.pic_region_info.current_region == "0,799,0,799"
    region = page.pic_region_info.regions[1]
    cropped = await daji_client.products.image_search(image_url=url, region=region)
    assert cropped.pic_region_info is not None
    assert cropped.pic_region_info.current_region == region
    same = await daji_client.products.image_search(image_address=url, page_size=10)
    assert [i.offer_id for i in same.items] == [i.offer_id for i in page.items]
    elsewhere = await daji_client.products.image_search(image_url="https://example.com/a.jpg")
    assert elsewhere.items == []  # the service only guarantees 1688-hosted images


async def test_image_search_needs_exactly_one_source(daji_client: DajiClient) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        daji_client.products.image_search()
    with pytest.raises(ValueError, match="image_url, image_id"):
        daji_client.products.image_search(image_url="https://a", image_id="1")
    with pytest.raises(BadRequestError, match="region"):
        await daji_client.products.image_search(image_url="https://cbu01.alicdn.com/x.jpg", region="bad")


@pytest.mark.parametrize("image", [PNG, JPG, WEBP])
async def test_upload_then_search_by_id(daji_client: DajiClient, image: bytes) -> None:
    image_id = await daji_client.products.upload_image(image)
    assert isinstance(image_id, str)
    assert image_id.isdigit()
    page = await daji_client.products.image_search(image_id=image_id)
    assert page.items
    again = await daji_client.products.upload_image(base64.b64encode(image).decode())
    assert again == image_id


async def test_upload_from_path_and_data_url(daji_client: DajiClient, tmp_path: Path) -> None:
    path = tmp_path / "bag.png"
    path.write_bytes(PNG)
    from_path = await daji_client.products.upload_image(path)
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert await daji_client.products.upload_image(data_url) == from_path


async def test_upload_is_checked_before_sending(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    with pytest.raises(ValueError, match="3 MB"):
        await daji_client.products.upload_image(PNG[:8] + b"0" * MAX_IMAGE_BYTES)
    with pytest.raises(ValueError, match="JPG, PNG or WEBP"):
        await daji_client.products.upload_image(b"GIF89a" + b"0" * 10)
    with pytest.raises(ValueError, match="base64"):
        await daji_client.products.upload_image("/not/base64/!!")
    with pytest.raises(ValueError, match="empty"):
        await daji_client.products.upload_image(b"")
    with pytest.raises(TypeError):
        await daji_client.products.upload_image(123)  # type: ignore[arg-type]
    assert daji_sandbox.stats["requests"] == 0


def test_image_helpers() -> None:
    assert image_kind(PNG) == "png"
    assert image_kind(JPG) == "jpg"
    assert image_kind(WEBP) == "webp"
    assert image_kind(b"GIF8") is None
    assert base64.b64decode(image_base64(PNG)) == PNG


async def test_detail(daji_client: DajiClient) -> None:
    item = (await daji_client.products.keyword_search("连衣裙")).items[0]
    detail = await daji_client.products.detail(item.offer_id)
    assert isinstance(detail, ProductDetail)
    assert detail.offer_id == item.offer_id
    assert detail.subject == item.subject
    assert detail.product_sku_infos
    for sku in detail.product_sku_infos:
        assert sku.spec_id
        assert re.fullmatch(r"[0-9a-f]{32}", sku.spec_id)
        assert sku.sku_attributes
        assert sku.sku_attributes[0].attribute_name_trans == "Color"
    assert detail.product_sale_info is not None
    assert detail.product_sale_info.price_range_list[0].price == item.price_info.price  # type: ignore[union-attr]
    assert detail.seller_open_id
    assert detail.product_shipping_info is not None
    assert detail.product_shipping_info.weight
    as_text = await daji_client.products.detail(str(item.offer_id), country="es")
    assert as_text.subject_trans != detail.subject_trans
    with pytest.raises(NotFoundError):
        await daji_client.products.detail(123)
    with pytest.raises(ValueError, match="offer_id"):
        await daji_client.products.detail("abc")


async def test_shop_search(daji_client: DajiClient) -> None:
    item = (await daji_client.products.keyword_search("耳机")).items[0]
    detail = await daji_client.products.detail(item.offer_id)
    assert detail.seller_open_id
    page = await daji_client.products.shop_search(detail.seller_open_id)
    assert page.seller_open_id == detail.seller_open_id
    assert item.offer_id in [i.offer_id async for i in daji_client.products.shop_search(detail.seller_open_id)]
    with pytest.raises(ValueError, match="seller_open_id"):
        daji_client.products.shop_search("")


async def test_categories(daji_client: DajiClient) -> None:
    [root] = await daji_client.categories.get()
    assert root.category_id == 0
    assert {c.id for c in root.child_categorys} >= {7, 15}
    [apparel] = await daji_client.categories.get(1031910)
    assert {c.id for c in apparel.child_categorys} == {10165, 10166}
    [women] = await daji_client.categories.get(10166)
    assert women.is_leaf
    assert women.parent_ids == [1031910]
    with pytest.raises(NotFoundError):
        await daji_client.categories.get(424242)
    with pytest.raises(ValueError, match="category_id"):
        await daji_client.categories.get(-1)


async def test_estimate_freight(daji_client: DajiClient) -> None:
    item = (await daji_client.products.keyword_search("水杯")).items[0]
    detail = await daji_client.products.detail(item.offer_id)
    sku = detail.product_sku_infos[0]
    assert sku.sku_id is not None
    estimate = await daji_client.products.estimate_freight(
        item.offer_id,
        to_province_code="330000",
        to_city_code="330100",
        to_country_code="330108",
        total_num=2,
        sku_numbers={sku.sku_id: 2},
    )
    assert estimate.offer_id == item.offer_id
    assert estimate.freight is not None
    assert re.fullmatch(r"\d+\.\d\d", estimate.freight)
    assert [s.sku_id for s in estimate.product_freight_sku_info_models] == [sku.sku_id]
    with pytest.raises(ValueError, match="total_num"):
        await daji_client.products.estimate_freight(
            item.offer_id, to_province_code="1", to_city_code="1", to_country_code="1", total_num=0
        )
    with pytest.raises(ValueError, match="to_city_code"):  # refused before anything is sent
        await daji_client.products.estimate_freight(
            item.offer_id, to_province_code="1", to_city_code="", to_country_code="1", total_num=1
        )


async def test_endpoint_paths_can_be_overridden(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client(endpoint_paths={"categories.get": "/alibaba/category/getV2"}) as client:
        with pytest.raises(NotFoundError) as info:
            await client.categories.get(0)
    assert info.value.path == "/alibaba/category/getV2"
