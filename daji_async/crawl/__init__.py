"""Crawls beyond one machine: many inputs, many workers, one app key's rate, each input stored once.

```python
from daji_async.crawl import Crawl

async with Crawl("redis://localhost:6379/0", "dresses") as crawl:
    await crawl.enqueue(open("keywords.txt"), kind="keyword", max_pages=2)
```

then, in as many processes and machines as you like, `await crawl.run_worker(rate_limit=50)`
(or `daji crawl worker --redis URL --rate-limit 50`). Needs the `crawl` extra
(`pip install 'daji-async[crawl]'`); `import daji_async` never imports arq. See the
"Running at scale" guide for what is stored where in Redis.
"""

from ._crawl import Crawl, CrawlResult, CrawlStatus, Enqueued
from ._fetch import KINDS, MODELS, PLATFORMS

__all__ = ["KINDS", "MODELS", "PLATFORMS", "Crawl", "CrawlResult", "CrawlStatus", "Enqueued"]
