"""Every default and tunable of the SDK, in one place.

Change behaviour through `daji_async.DajiClient` arguments, not by editing these;
they exist so that the numbers are documented and easy to find.
"""

from __future__ import annotations

#: Production host of the DAJI open API.
DEFAULT_BASE_URL = "https://openapi.dajisaas.com"

#: Environment variables read when the matching argument is not given.
ENV_APP_KEY = "DAJI_APP_KEY"
ENV_APP_SECRET = "DAJI_APP_SECRET"
ENV_BASE_URL = "DAJI_BASE_URL"
ENV_LOG = "DAJI_LOG"

#: Language of translated fields (`subjectTrans`...) when a call does not say.
DEFAULT_COUNTRY = "en"

#: Seconds allowed for one request attempt (connect, send, and read the whole body).
DEFAULT_TIMEOUT = 30.0
#: Retries after the first attempt, for calls that are safe to repeat.
DEFAULT_MAX_RETRIES = 3
#: Requests in flight at once across everything one client does.
DEFAULT_MAX_CONCURRENCY = 32
#: A request that waited longer than this for the rate limiter is logged at INFO.
RATE_LIMIT_WAIT_LOG_SECONDS = 1.0

#: Exponential backoff with full jitter: attempt n waits uniform(0, min(MAX, BASE * 2**n)).
RETRY_BASE_DELAY = 0.5
RETRY_MAX_DELAY = 8.0
#: A `Retry-After` longer than this is not waited for: the RateLimitError is raised instead.
RETRY_AFTER_CAP = 60.0
#: HTTP statuses that a safe call retries (plus connection errors and timeouts): 429 and every 5xx.
RETRY_STATUSES = frozenset({429, *range(500, 600)})

#: The service's documented paging bounds.
MIN_PAGE_SIZE = 1
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 20
#: Taobao's traffic searches and image search V2.0 take at most 20 items a page (C).
TAOBAO_MAX_PAGE_SIZE = 20
#: Taobao image search V2.0: the last page number (`pageNo` is 0-based, 0..499; C).
TAOBAO_IMAGE_MAX_PAGE_NO = 499
#: Most purchase orders one Taobao `batch/pay` call takes (wiki en api-194164783).
TAOBAO_PAY_BATCH = 10
#: Largest page size the SDK asks Poizon's product list for (undocumented; clients use 20..50).
POIZON_MAX_PAGE_SIZE = 50

#: The service's limit on an uploaded image.
MAX_IMAGE_BYTES = 3 * 1024 * 1024

#: Longest picture URL `upload_image(url=...)` sends (it travels in a query string).
MAX_PICTURE_URL = 2048

#: Envelope code of a successful call.
SUCCESS_CODE = 200

#: The service's answer for an app that DAJI has not activated yet.
NOT_ACTIVATED_MESSAGE = "请创建应用，再联系平台进行激活"

#: Largest response body read, in bytes, counted after decompression (`DajiClient(max_response_bytes=...)`).
#: A longer answer is a ResponseDecodeError naming the cap; nothing past it is buffered.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024

#: Largest numeric id the service takes (offer, order, category ids: a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: Most digits of an id the service issues as text (image ids: 19 digits today).
MAX_ID_DIGITS = 32
#: Longest search keyword sent (the service matches short phrases; a longer one is a mistake).
MAX_KEYWORD_LENGTH = 200
#: Longest free text sent (auxiliary text, remarks, messages to the seller).
MAX_TEXT_LENGTH = 500
#: Longest short text sent: codes, seller and member ids, credentials, language codes.
MAX_NAME_LENGTH = 128
#: Largest quantity sent (the service's Java int).
MAX_QUANTITY = 2**31 - 1
#: Most retries one call may ask for.
MAX_RETRIES_LIMIT = 100
#: Parameters only the SDK sets: `extra_params` (and raw calls) may not name them.
RESERVED_PARAMS = frozenset({"appKey", "appSecret", "sign"})

#: Longest piece of an unexpected body quoted in an error message.
BODY_SNIPPET_CHARS = 200

#: Seconds the default transport caches a DNS answer.
DNS_CACHE_SECONDS = 300

#: Default number of bulk inputs in flight at once (`client.bulk`).
DEFAULT_BULK_CONCURRENCY = 16

#: StrictRateLimiter: lateness (seconds) that the even grid absorbs instead of losing it.
RATE_GRID_TOLERANCE = 0.010
#: StrictRateLimiter: extra room past one second before a send leaves the window, so that
#: jitter between here and the server cannot make the server see R + 1 requests in one second.
#: It costs at most this share of the rate (R sends per 1 + margin seconds when the log binds):
#: 5 ms let 501-502 through at R=500 and 101 at R=100 on a loaded 2-core machine (a request's
#: delay to the server varying by more than that); 15 ms held every rate, cold and warm, at an
#: achieved 99.2-99.5% of the rate (benchmarks, scenario 6).
RATE_WINDOW_MARGIN = 0.015

#: MessageReceiver: callbacks allowed to run at once, by default.
MESSAGE_CONCURRENCY = 8
#: MessageReceiver: accepted messages waiting for a callback before pushes get HTTP 503.
MESSAGE_MAX_PENDING = 1000
#: MessageReceiver: how many msgIds are remembered to drop redeliveries.
MESSAGE_REMEMBER = 100_000
#: MessageReceiver: seconds `close` waits for accepted messages before cancelling callbacks.
MESSAGE_CLOSE_TIMEOUT = 10.0
#: MessageReceiver: pushes older than this (seconds, by the message's own time) are refused.
MESSAGE_MAX_AGE = 24 * 3600.0
#: MessageReceiver: how far in the future a message's time may be (clock skew), in seconds.
MESSAGE_MAX_SKEW = 300.0
#: MessageReceiver.serve: seconds a client may take to send a request's headers.
MESSAGE_HEADER_TIMEOUT = 10.0
#: MessageReceiver: seconds a client may take to send a request's body.
MESSAGE_BODY_TIMEOUT = 30.0
#: MessageReceiver: largest push body read, in bytes.
MESSAGE_MAX_PUSH_BYTES = 1024 * 1024

#: User-Agent sent with every request.
USER_AGENT_PREFIX = "daji-async"

# --------------------------------------------------------------------------- shared pieces (Redis)

#: Seconds to wait for a connection to Redis, and for one Redis command, before giving up.
REDIS_CONNECT_TIMEOUT = 2.0
REDIS_SOCKET_TIMEOUT = 2.0
#: Seconds a pooled Redis connection may sit idle before it is checked before use.
REDIS_HEALTH_CHECK_INTERVAL = 30

#: Prefix of every key the SDK writes to Redis.
REDIS_KEY_PREFIX = "daji:"

#: Seconds of every one-second window that a shared limiter leaves unused, so that the jitter
#: between the moment a process is allowed to send and the moment the request reaches the
#: service cannot put `rate + 1` requests in one of the service's seconds. Costs 3% of the rate.
SHARED_LIMIT_MARGIN = 0.03
#: A process that wakes up later than this after its turn asks for a new turn instead of
#: sending late (a late request would crowd the one-second window of the requests after it).
SHARED_LIMIT_LATE = 0.010
#: Seconds between attempts to get back to Redis while a shared limiter runs on its fallback.
SHARED_LIMIT_RECONNECT = 5.0

#: Seconds one Redis operation of a shared limiter or cache may take in all (waiting for a pooled
#: connection, connecting, the command and its answer) before it fails with RedisUnavailableError.
#: Each caller has its own deadline, so any number of concurrent callers all get their answer or
#: their error within this bound, even against a frozen Redis.
REDIS_TIMEOUT = 3.0
#: Longest wait a shared limiter hands out: a caller whose turn would be further away waits
#: (at most this long) and asks again. A stored turn more than this (plus one interval) ahead of
#: Redis's clock cannot have been handed out: it is corrupt state (a clock jump) and is reset.
SHARED_LIMIT_MAX_WAIT = 60.0
#: Label of the key a Redis cache derives from the app secret to authenticate its entries.
CACHE_MAC_LABEL = b"daji-async response cache entry v1"

#: Seconds a cached answer stays fresh, by kind of call; each cacheable row of the endpoint
#: table declares its own `cache_ttl` from these. Orders, payments and uploads never are cached.
CACHE_TTL_DETAIL = 3600.0
CACHE_TTL_SEARCH = 900.0
CACHE_TTL_CATEGORIES = 86400.0
#: Seconds an uploaded picture's id is reused (DAJI's wiki does not say how long the service
#: keeps one: a conservative guess; a refused id is uploaded again once).
PICTURE_ID_TTL = 3600.0
#: Cache namespaces that are not endpoints, with their default TTLs (beside the rows' own
#: `cache_ttl`): the ids of uploaded pictures (client.bulk.uploads), by content hash or URL.
CACHE_NAMESPACES: dict[str, float] = {"pictures.1688": PICTURE_ID_TTL, "pictures.taobao": PICTURE_ID_TTL}
#: Answers an in-memory cache holds before it drops the least recently used.
CACHE_MAX_ENTRIES = 10_000
