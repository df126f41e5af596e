"""A keyword crawl spread over arq workers that share one rate limit and one cache on Redis."""
