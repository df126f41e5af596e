"""Models decode the service's own example payloads and contract-shaped payloads."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import msgspec

from daji_async._protocol import envelope_decoder
from daji_async.models.common import Page
from daji_async.models.products import (
    Category,
    FreightEstimate,
    ImageSearchPage,
    ProductDetail,
    ProductItem,
    ShopSearchPage,
    UploadResult,
)

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_e80f53f7d81e7af7.txt"

# The image search product page's example response, as published (kept here so the test
# does not depend on files outside the repository).
IMAGE_EXAMPLE = {
    "code": 200,
    "message": "操作成功",
    "data": {
        "totalRecords": 700,
        "totalPage": 175,
        "pageSize": 4,
        "currentPage": 1,
        "data": [
            {
                "imageUrl": "https://cbu01.alicdn.com/O1CN01n1LVNC23jmxwE47az_!!2200710277292-0-cib.jpg",
                "subject": "直筒修身男士休闲裤夏季薄款冰丝速干夏天男装潮牌运动九分西裤子",
                "subjectTrans": "Straight Slim Men's Casual Pants Summer Thin Ice Silk Quick-drying",
                "priceInfo": {"price": "34.50", "jxhyPrice": "34.50", "pfJxhyPrice": "34.5", "consignPrice": "34.50"},
                "offerId": 727920485853,
                "isJxhy": True,
                "repurchaseRate": "5%",
                "monthSold": 3911,
                "traceInfo": "object_id%40727920485853%5Eobject_type%40offer",
                "isOnePsale": True,
                "sellerIdentities": ["tp_member"],
            },
            {
                "imageUrl": "https://cbu01.alicdn.com/O1CN01xMGBeR2JOIJiBdCcu_!!2217545629411-0-cib.jpg",
                "subject": "啄木鸟男士冰丝短袖T恤",
                "subjectTrans": "Woodpecker Men's Ice Silk Short-sleeved T-shirt",
                "priceInfo": {"price": "38.00", "jxhyPrice": None, "pfJxhyPrice": None, "consignPrice": "38.00"},
                "offerId": 778343967028,
                "isJxhy": False,
                "repurchaseRate": "26%",
                "monthSold": 9,
                "traceInfo": "object_id%40778343967028",
                "isOnePsale": True,
                "sellerIdentities": ["powerful_merchants", "tp_member"],
            },
        ],
        "picRegionInfo": {"currentRegion": "0,799,0,799", "yoloCropRegion": "0,799,0,799"},
    },
    "timestamp": 1720777505749,
    "traceId": "9cd9629bcaa2",
}


def test_image_search_example_decodes() -> None:
    envelope = envelope_decoder(ImageSearchPage[ProductItem]).decode(msgspec.json.encode(IMAGE_EXAMPLE))
    page = envelope.data
    assert page is not None
    assert (page.total_records, page.total_pages, page.page_size, page.current_page) == (700, 175, 4, 1)
    first, second = page.items
    assert first.offer_id == 727920485853
    assert first.price_info is not None
    assert first.price_info.price == "34.50"
    assert first.price_info.pf_jxhy_price == "34.5"
    assert first.is_jxhy is True
    assert first.month_sold == 3911
    assert first.repurchase_rate == "5%"
    assert second.price_info is not None
    assert second.price_info.jxhy_price is None
    assert second.seller_identities == ["powerful_merchants", "tp_member"]
    assert page.pic_region_info is not None
    assert page.pic_region_info.regions == ["0,799,0,799"]
    assert envelope.trace_id == "9cd9629bcaa2"


def test_product_page_example_decodes() -> None:
    """The image search page's own example response (copied from the service's page)."""
    body = (Path(__file__).parent / "data" / "image_search_example.json").read_bytes()
    example = json.loads(body)
    page = envelope_decoder(ImageSearchPage[ProductItem]).decode(body).data
    assert page is not None
    assert len(page.items) == len(example["data"]["data"]) == 4
    assert [i.offer_id for i in page.items] == [d["offerId"] for d in example["data"]["data"]]
    assert all(re.fullmatch(r"\d+\.\d\d", i.price_info.price or "") for i in page.items if i.price_info)
    assert page.items[3].seller_identities == ["powerful_merchants", "tp_member"]
    assert page.pic_region_info is not None
    assert page.pic_region_info.yolo_crop_region == "0,799,0,799"


#: SHA-256 of the service page's image-search example (``Example`` up to ``🟠404`` in the shared
#: seed page), as canonical JSON (sorted keys), recorded when the fixture was taken from it.
SEED_EXAMPLE_SHA256 = "8b2084407e989765ea234dbcc742a2728a6d6ab8b0a7f253b24986bb3279b5b9"


def _canonical_sha256(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def test_fixture_matches_the_shared_seed_page() -> None:
    fixture = json.loads((Path(__file__).parent / "data" / "image_search_example.json").read_text(encoding="utf-8"))
    # the fixture is still the page's example as taken (checked everywhere, the page or not)
    assert _canonical_sha256(fixture) == SEED_EXAMPLE_SHA256
    if SEED.exists():  # next to the shared research: the page itself says the same
        text = SEED.read_text(encoding="utf-8")
        start = text.index("Example\n{") + len("Example\n")
        end = text.index("🟠404")
        assert json.loads(text[start:end]) == fixture


def test_keyword_page_with_unknown_and_missing_fields() -> None:
    body = {
        "code": 200,
        "data": {
            "totalRecords": 2000,
            "totalPage": 101,
            "pageSize": 20,
            "data": [{"offerId": 1, "brandNew": {"x": 1}, "promotionURL": "https://p", "sellerIdentities": []}],
        },
    }
    page = envelope_decoder(Page[ProductItem]).decode(msgspec.json.encode(body)).data
    assert page is not None
    assert page.current_page == 0  # absent: the paginator fills in the requested page
    assert page.items[0].promotion_url == "https://p"
    assert page.items[0].subject is None


def test_shop_page_carries_seller() -> None:
    body = {
        "code": 200,
        "data": {
            "totalRecords": 0,
            "totalPage": 0,
            "pageSize": 20,
            "currentPage": 1,
            "data": [],
            "sellerOpenId": "BBBx",
        },
    }
    page = envelope_decoder(ShopSearchPage[ProductItem]).decode(msgspec.json.encode(body)).data
    assert page is not None
    assert page.seller_open_id == "BBBx"


DETAIL = {
    "offerId": 727920485853,
    "categoryId": 10166,
    "categoryName": "女装",
    "subject": "连衣裙",
    "subjectTrans": "Dress",
    "description": "<p>x</p>",
    "mainVideo": None,
    "productImage": {"images": ["https://a/1.jpg"], "whiteImage": None},
    "productAttribute": [
        {
            "attributeId": "2176",
            "attributeName": "品牌",
            "attributeNameTrans": "Brand",
            "value": "其他",
            "valueTrans": "Other",
        }
    ],
    "productSkuInfos": [
        {
            "skuId": 5050367386839,
            "specId": "b266d6d6e7a4d4f8a5c2b0c0d3e4f5a6",
            "amountOnSale": 10,
            "price": "34.50",
            "consignPrice": "34.50",
            "promotionPrice": None,
            "skuAttributes": [
                {
                    "attributeId": 3216,
                    "attributeName": "颜色",
                    "attributeNameTrans": "Color",
                    "value": "黑色",
                    "valueTrans": "Black",
                    "skuImageUrl": None,
                }
            ],
        }
    ],
    "productSaleInfo": {
        "amountOnSale": 10,
        "priceRangeList": [{"startQuantity": 2, "price": "30.00", "promotionPrice": None}],
        "quoteType": 1,
        "unitInfo": {"unit": "件", "transUnit": "piece"},
    },
    "productShippingInfo": {
        "sendGoodsAddressText": "浙江省 金华市",
        "weight": 0.3,
        "width": 20,
        "height": 3,
        "length": 30,
        "skuShippingDetails": [],
    },
    "sellerOpenId": "BBBabc",
    "minOrderQuantity": 2,
    "status": "published",
    "tagInfoList": [{"key": "isOnePsale", "value": True}],
    "sellerMixSetting": {"generalHunpi": True},
    "sellerDataInfo": {"tradeMedalLevel": "4", "compositeServiceScore": "4.5", "repeatPurchasePercent": "0.55"},
    "soldOut": "10573",
    "tradeScore": "4.5",
    "offerIdentities": ["yx"],
}


def test_detail_decodes_contract_shape() -> None:
    body = msgspec.json.encode({"code": 200, "data": DETAIL, "traceId": "t"})
    detail = envelope_decoder(ProductDetail).decode(body).data
    assert detail is not None
    sku = detail.product_sku_infos[0]
    assert sku.spec_id == "b266d6d6e7a4d4f8a5c2b0c0d3e4f5a6"
    assert sku.sku_attributes[0].value_trans == "Black"
    assert detail.product_attribute[0].attribute_name_trans == "Brand"
    assert detail.product_sale_info is not None
    assert detail.product_sale_info.price_range_list[0].price == "30.00"
    assert detail.product_sale_info.unit_info is not None
    assert detail.product_sale_info.unit_info.trans_unit == "piece"
    assert detail.product_shipping_info is not None
    assert detail.product_shipping_info.weight == 0.3
    assert detail.seller_data_info is not None
    assert detail.seller_data_info.trade_medal_level == "4"
    assert detail.sold_out == "10573"


def test_small_payloads() -> None:
    upload = msgspec.json.encode({"code": 200, "data": {"imageId": "1164408192156408878"}})
    assert envelope_decoder(UploadResult).decode(upload).data == UploadResult("1164408192156408878")
    category = {
        "categoryID": 0,
        "name": "root",
        "level": 0,
        "isLeaf": False,
        "parentIDs": [0],
        "childCategorys": [{"id": 7, "name": "数码", "categoryType": "1", "isLeaf": False}],
    }
    categories = envelope_decoder(list[Category]).decode(msgspec.json.encode({"code": 200, "data": [category]})).data
    assert categories is not None
    assert categories[0].child_categorys[0].id == 7
    freight = {
        "offerId": 1,
        "freight": "12.00",
        "firstFee": 5,
        "freePostage": False,
        "productFreightSkuInfoModels": [{"skuId": 1, "singleSkuWeight": 0.2}],
    }
    estimate = envelope_decoder(FreightEstimate).decode(msgspec.json.encode({"code": 200, "data": freight})).data
    assert estimate is not None
    assert estimate.freight == "12.00"
    assert estimate.first_fee == 5


def test_prices_stay_strings() -> None:
    body = msgspec.json.encode(
        {
            "code": 200,
            "data": {
                "totalRecords": 1,
                "totalPage": 1,
                "pageSize": 1,
                "currentPage": 1,
                "data": [{"offerId": 1, "priceInfo": {"price": "0.10"}}],
            },
        }
    )
    page = envelope_decoder(Page[ProductItem]).decode(body).data
    assert page is not None
    assert page.items[0].price_info is not None
    assert page.items[0].price_info.price == "0.10"


def test_order_detail_status_is_an_order_status_and_keeps_unknown_text() -> None:
    from daji_async import OrderStatus
    from daji_async.models.orders import OrderDetail

    known = msgspec.json.decode(b'{"baseInfo": {"status": "waitbuyerpay"}}', type=OrderDetail)
    assert known.status is OrderStatus.WAIT_BUYER_PAY
    later = msgspec.json.decode(b'{"baseInfo": {"status": "a_status_added_later"}}', type=OrderDetail)
    assert later.status == "a_status_added_later" and not isinstance(later.status, OrderStatus)
    assert msgspec.json.decode(b"{}", type=OrderDetail).status is None
