"""An order as 1688's `get.buyerView` answer shows it: the view the order endpoints return."""

from __future__ import annotations

from typing import Any

from ..enums import OrderStatus
from ._orders_store import BUYER_LOGIN_ID, BUYER_MEMBER_ID, SandboxOrder, seller_member_id, yuan_number

__all__ = ["order_view"]


def order_view(order: SandboxOrder) -> dict[str, Any]:
    """An order as 1688's `get.buyerView` result (amounts in yuan, discount in fen)."""
    address = order.address
    base = {
        "id": order.order_id,
        "idOfStr": str(order.order_id),
        "status": order.status,
        "totalAmount": yuan_number(order.total_fen),
        "shippingFee": yuan_number(order.carriage_fen),
        "sumProductPayment": yuan_number(order.goods_fen),
        "discount": 0,
        "refund": 0,
        "createTime": order.create_time,
        "modifyTime": order.modify_time,
        "payTime": order.pay_time,
        "allDeliveredTime": order.delivered_time,
        "receivingTime": order.receiving_time,
        "completeTime": order.complete_time,
        "buyerID": BUYER_MEMBER_ID,
        "sellerID": seller_member_id(order.seller),
        "buyerLoginId": BUYER_LOGIN_ID,
        "sellerLoginId": f"sandbox-seller-{order.seller}",
        "buyerContact": {"name": address.get("fullName"), "mobile": address.get("mobile")},
        "sellerContact": {"name": f"Seller {order.seller}", "companyName": f"Sandbox Supplier {order.seller}"},
        "tradeType": "50060",
        "tradeTypeCode": order.trade_type or "assureTrade",
        "businessType": "cb",
        "closeReason": order.close_reason,
        "closeRemark": order.close_remark,
        "remark": order.remark,
        "outOrderId": order.out_order_id,
        "flowTemplateCode": order.flow,
        "payChannelList": ["支付宝"] if order.pay_time else [],
    }
    items = [
        {
            "name": e.offer.subject,
            "productID": e.offer.offer_id,
            "skuID": e.sku_id,
            "specId": e.spec_id,
            "quantity": e.quantity,
            "unit": "件",
            "price": yuan_number(e.unit_fen),
            "itemAmount": yuan_number(e.amount_fen),
            "refund": 0,
            "subItemID": e.entry_id,
            "subItemIDString": str(e.entry_id),
            "status": e.status,
            "statusStr": e.status,
            "logisticsStatus": 3 if e.confirmed else (2 if order.delivered_time else 1),
            "productImgUrl": [],
            "skuInfos": [{"name": n, "value": v} for n, v in e.attributes],
        }
        for e in order.entries
    ]
    logistics_items = []
    if order.logistics_bill_no:
        logistics_items.append(
            {
                "id": order.order_id % 10**9,
                "logisticsCode": "BX" + str(order.order_id)[-8:],
                "logisticsBillNo": order.logistics_bill_no,
                "logisticsCompanyId": 2,
                "logisticsCompanyName": "中通快递",
                "status": "alreadysend",
                "deliveredTime": order.delivered_time,
                "subItemIds": ",".join(str(e.entry_id) for e in order.entries),
            }
        )
    return {
        "baseInfo": base,
        "productItems": items,
        "nativeLogistics": {
            "contactPerson": address.get("fullName"),
            "mobile": address.get("mobile"),
            "telephone": address.get("phone"),
            "province": address.get("provinceText"),
            "city": address.get("cityText"),
            "area": address.get("areaText"),
            "town": address.get("townText"),
            "address": address.get("address"),
            "zip": address.get("postCode"),
            "areaCode": address.get("districtCode"),
            "logisticsItems": logistics_items,
        },
        "tradeTerms": [
            {
                "payStatus": "2" if order.pay_time else ("8" if order.status == OrderStatus.CANCEL else "1"),
                "payTime": order.pay_time,
                "payWay": "1",
                "payWayDesc": "支付宝",
                "phasAmount": yuan_number(order.total_fen),
            }
        ],
    }
