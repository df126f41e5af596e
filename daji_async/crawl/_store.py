"""Where a crawl keeps its state in Redis, and the atomic writes that keep it consistent.

Every key of a crawl named `NAME` starts with `daji:crawl:NAME:`:

- `inputs`: a hash, job id -> the input (JSON: kind, platform, input, search options);
- `result:<job id>`: the items of one input (JSON list), replaced whole by each run;
- `done`: a hash, job id -> the number of items stored for it;
- `failed`: a hash, job id -> the last error of an input that failed;
- `items`, `requests`: counters; `first`, `last`: when the first and the latest
  request of the crawl were sent (Unix seconds), for the achieved rate.

arq keeps the queue (`arq:queue:daji-crawl:NAME`) and its own job keys (`arq:job:<id>`,
`arq:in-progress:<id>`). Nothing of the crawl expires: `Crawl.delete` removes it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

#: The prefix of every key of a crawl.
KEY_PREFIX = "daji:crawl:"
#: The prefix of every job id (and so of arq's keys for the crawl's jobs).
JOB_PREFIX = "daji-crawl:"

# KEYS: result, done, failed, items. ARGV: job id, payload, count.
# The old count is taken back from the items counter, so a re-run replaces and never adds twice.
STORE_SCRIPT = """
local old = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
redis.call('SET', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('INCRBY', KEYS[4], tonumber(ARGV[3]) - old)
return old
"""

# KEYS: done, failed. ARGV: job id, error. An input already stored stays done.
FAIL_SCRIPT = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""

# KEYS: requests, first, last. ARGV: now (Unix seconds).
COUNT_SCRIPT = """
redis.call('INCR', KEYS[1])
redis.call('SETNX', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
return 1
"""


class Keys:
    """The Redis keys of the crawl `name`."""

    def __init__(self, name: str) -> None:
        base = KEY_PREFIX + name + ":"
        self.base = base
        self.inputs = base + "inputs"
        self.done = base + "done"
        self.failed = base + "failed"
        self.items = base + "items"
        self.requests = base + "requests"
        self.first = base + "first"
        self.last = base + "last"
        self.queue = "arq:queue:" + JOB_PREFIX + name
        self.job_prefix = JOB_PREFIX + name + ":"

    def result(self, job_id: str) -> str:
        """The key holding the items of one input."""
        return self.base + "result:" + job_id


def job_id(name: str, kind: str, platform: str, value: str) -> str:
    """The stable id of one input's job: the same input of the same crawl is always the same job."""
    digest = hashlib.sha256(json.dumps([kind, platform, value], ensure_ascii=False).encode()).hexdigest()
    return f"{JOB_PREFIX}{name}:{digest[:32]}"


def spec(kind: str, platform: str, value: str, options: dict[str, Any]) -> str:
    """What the `inputs` hash holds for one input."""
    return json.dumps({"kind": kind, "platform": platform, "input": value, "options": options}, ensure_ascii=False)


def text(value: Any) -> str:
    """A Redis reply (bytes or str) as str."""
    return value.decode() if isinstance(value, bytes) else str(value)
