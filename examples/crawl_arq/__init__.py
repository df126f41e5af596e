"""A keyword crawl with ``daji_async.crawl``: queue once, run workers anywhere, read the results."""
