"""Order messages: verify, parse and receive what DAJI's message service pushes.

DAJI pushes each message as a form POST (not JSON) with two fields (wiki en doc-7744081, zh
doc-5787639, en doc-7744084): `message` (JSON text) and `_dj_signature`, made with
HMAC-SHA1. DAJI shows the exact signed string only as an image, so the default verifier uses
the construction of 1688's own push, which DAJI relays: HMAC-SHA1 keyed by the app secret over
`"message" + message`, in hex (either case) or base64; `_aop_signature` (1688's field) is
accepted too. If DAJI's real pushes turn out to sign differently, pass your own
`verifier=` to `read_push` or `MessageReceiver`.

`read_push` verifies (constant-time) and parses the JSON into a `Message`: 1688
messages (`msgId`, `gmtBorn`, `type`; order topics carry typed
`OrderMessageData`) and the Taobao message types of DAJI's "Message Type" page
(`message_type` 3, order status: `TaobaoOrderStatusData`; 8, price change:
`TaobaoPriceChangeData`).

**Order is not guaranteed** (DAJI says so): re-read the order (`client.orders.get`) before
acting on a message.

`MessageReceiver` is a ready aiohttp endpoint. It rejects unsigned or forged pushes
(HTTP 403), malformed requests of any kind with a 4xx (never a 5xx), and pushes older than its
freshness window (24 hours by default); it answers at once, drops redeliveries it has already
accepted, and hands every other message to your async callback, at most `concurrency` at a
time; a callback that raises is logged and the message is not handed over again:

```python
from aiohttp import web
from daji_async.messages import Message, MessageReceiver, Topic

async def on_message(message: Message) -> None:
    if message.topic == Topic.ORDER_BUYER_VIEW_ORDER_PAY and message.order:
        print("paid:", message.order.order_id)

receiver = MessageReceiver(on_message, app_secret="...")
app = web.Application()
app.add_subapp("/1688/messages", receiver.app())      # POST /1688/messages
web.run_app(app, port=8080)
```

Or, without a callback, consume the messages as a stream:

```python
receiver = MessageReceiver(app_secret="...")
app.router.add_post("/1688/messages", receiver.handle)
async for message in receiver:                         # until receiver.close()
    ...
```

`MessageReceiver.serve` runs the receiver on its own server, with a time limit on
reading a request's headers (slow clients cannot hold connections open).
"""

from __future__ import annotations

# Names imported `as` themselves are importable as before the split but stay out of `__all__`
# (the documented surface).
from ._models import (
    ORDER_TOPICS,
    Message,
    OrderMessageData,
    TaobaoOrderStatusData,
    TaobaoPrice,
    TaobaoPriceChangeData,
    TaobaoPriceLine,
    TaobaoSkuStatus,
    Topic,
)
from ._models import MessageData as MessageData
from ._parsing import parse_message, read_push
from ._receiver import DEFAULT_BODY_TIMEOUT as DEFAULT_BODY_TIMEOUT
from ._receiver import DEFAULT_CLOSE_TIMEOUT as DEFAULT_CLOSE_TIMEOUT
from ._receiver import DEFAULT_CONCURRENCY as DEFAULT_CONCURRENCY
from ._receiver import DEFAULT_HEADER_TIMEOUT as DEFAULT_HEADER_TIMEOUT
from ._receiver import DEFAULT_MAX_AGE as DEFAULT_MAX_AGE
from ._receiver import DEFAULT_MAX_PENDING as DEFAULT_MAX_PENDING
from ._receiver import DEFAULT_MAX_SKEW as DEFAULT_MAX_SKEW
from ._receiver import DEFAULT_REMEMBER as DEFAULT_REMEMBER
from ._receiver import MAX_PUSH_BYTES as MAX_PUSH_BYTES
from ._receiver import Callback as Callback
from ._receiver import (
    MessageReceiver,
    MessageStats,
    ReceiverServer,
    SubmitOutcome,
)
from ._receiver import logger as logger
from ._signatures import (
    DJ_SIGNATURE_FIELD,
    SIGNATURE_FIELD,
    Verifier,
    aop_signature,
    message_signature,
    verify_signature,
)
from ._signatures import MESSAGE_FIELD as MESSAGE_FIELD
from ._signatures import SIGNATURE_FIELDS as SIGNATURE_FIELDS
from ._signatures import default_verifier as default_verifier

__all__ = [
    "DJ_SIGNATURE_FIELD",
    "ORDER_TOPICS",
    "SIGNATURE_FIELD",
    "Message",
    "MessageReceiver",
    "MessageStats",
    "OrderMessageData",
    "ReceiverServer",
    "SubmitOutcome",
    "TaobaoOrderStatusData",
    "TaobaoPrice",
    "TaobaoPriceChangeData",
    "TaobaoPriceLine",
    "TaobaoSkuStatus",
    "Topic",
    "Verifier",
    "aop_signature",
    "message_signature",
    "parse_message",
    "read_push",
    "verify_signature",
]
